"""What a consultation keeps about a resident, for "Download my data" and account deletion.

Contributions, comments, supports, reports and questionnaire responses are kept when a resident
deletes their account: they stay counted, linked to the anonymised account, and show
"Former participant". Their export lists the resident's own records only.
"""

from wagtail_participation.privacy import register_personal_data

from .models import Comment, ContentReport, Contribution, QuestionnaireResponse, Support


def export_consultation_data(user):
    contributions = Contribution.objects.filter(author=user).select_related("page")
    comments = Comment.objects.filter(author=user).select_related("contribution")
    supports = Support.objects.filter(user=user).select_related("contribution")
    reports = ContentReport.objects.filter(reporter=user).select_related("contribution")
    responses = (
        QuestionnaireResponse.objects.filter(user=user)
        .select_related("page")
        .prefetch_related("answers__question")
    )
    return {
        "contributions": [
            {
                "consultation": c.page.title,
                "title": c.title,
                "text": c.body,
                "status": c.status,
                "submitted": c.created_at,
                "official_answer": c.answer_status,
                "answer_text": c.answer_text,
            }
            for c in contributions
        ],
        "comments": [
            {"contribution": c.contribution.title, "text": c.body, "posted": c.created_at}
            for c in comments
        ],
        "supports": [
            {"contribution": s.contribution.title, "supported": s.created_at} for s in supports
        ],
        "reports": [
            {"contribution": r.contribution.title, "reason": r.reason, "reported": r.created_at}
            for r in reports
        ],
        "questionnaire_responses": [
            {
                "consultation": r.page.title,
                "answered": r.created_at,
                "answers": [
                    {"question": a.question.text, "text": a.text, "choices": a.choices}
                    for a in r.answers.all()
                ],
            }
            for r in responses
        ],
    }


def keep_consultation_data(user):
    """Nothing to erase: the records stay counted and the account itself is anonymised."""


def register():
    register_personal_data("consultations", export_consultation_data, keep_consultation_data)
