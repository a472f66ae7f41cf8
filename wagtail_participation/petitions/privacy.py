"""What petitions and consultative votes keep about a resident, for "Download my data" and
account deletion.

Signatures stay counted when an account is deleted (a threshold reached must stay reached), but
the signer's name is erased and their public name hidden; the hashed identity key stays, so the
same person still cannot sign again on paper. Petitions keep their filer's public name, like
contributions. What a resident voted is never stored with them, so it is not in their data.
"""

from wagtail_participation.privacy import register_personal_data

from .models import Petition, Signature, VoteParticipation


def export_petition_data(user):
    filed = Petition.objects.filter(filer=user).select_related("page")
    signatures = Signature.objects.filter(user=user).select_related("petition")
    votes = VoteParticipation.objects.filter(user=user).select_related("page")
    return {
        "petitions_filed": [
            {
                "petition_right": p.page.title,
                "title": p.title,
                "text": p.text,
                "public_name": p.filer_name,
                "status": p.status,
                "filed": p.created_at,
            }
            for p in filed
        ],
        "signatures": [
            {
                "petition": s.petition.title,
                "full_name": s.full_name,
                "year_of_birth": s.birth_year,
                "public_name_shown": s.show_name,
                "signed": s.created_at,
            }
            for s in signatures
        ],
        "consultative_votes": [
            {"vote": v.page.title, "question": v.page.question, "voted": v.created_at}
            for v in votes
        ],
    }


def erase_petition_data(user):
    Signature.objects.filter(user=user).update(full_name="", birth_year=None, show_name=False)


def register():
    register_personal_data("petitions", export_petition_data, erase_petition_data)
