"""The optional questionnaire of a consultation: its form, how answers are stored, its results.

Answers are stored as ``QuestionAnswer`` rows, one per answered question:

- open questions keep the resident's plain text in ``text``;
- single and multiple choice questions keep the chosen choices (their text) in ``choices``;
- ranking questions keep every ranked choice in ``choices``, best first;
- yes/no questions keep ``["yes"]`` or ``["no"]``: stable values, so that results do not depend
  on the language the resident answered in.

Results are aggregated by the database in one query, whatever the number of responses.
"""

from django import forms
from django.db.models import Count, Q
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from wagtail_participation.honeypot import HoneypotFormMixin
from wagtail_participation.models import CodeUse

from .models import Question, QuestionAnswer, QuestionKind

OPEN_MAX_LENGTH = 5000
YES = "yes"
NO = "no"
YES_NO_CHOICES = [(YES, _("Yes, for")), (NO, _("No, against"))]
CODE_FIELD = "participation_code"


def field_name(question):
    return f"question_{question.pk}"


def unique_choices(question):
    """The question's choices without duplicates, in the editor's order."""
    return list(dict.fromkeys(question.choice_list))


# Widgets -------------------------------------------------------------------------------------


class FirstOptionMixin:
    """Point labels and the error summary's links at the first option of a group."""

    def id_for_label(self, id_, index=None):
        return super().id_for_label(id_, "0" if index is None else index)


class RadioGroup(FirstOptionMixin, forms.RadioSelect):
    pass


class CheckboxGroup(FirstOptionMixin, forms.CheckboxSelectMultiple):
    pass


class RankingWidget(forms.MultiWidget):
    """One labelled select of ranks per choice: works without JavaScript."""

    use_fieldset = True

    def __init__(self, choices, attrs=None):
        self.choice_labels = list(choices)
        ranks = [("", _("Not ranked"))] + [
            (str(rank), str(rank)) for rank in range(1, len(self.choice_labels) + 1)
        ]
        super().__init__([forms.Select(choices=ranks) for _ in self.choice_labels], attrs)

    def decompress(self, value):
        """A list of choices ordered by rank -> the rank of each choice."""
        ranked = list(value or [])
        return [
            str(ranked.index(choice) + 1) if choice in ranked else ""
            for choice in self.choice_labels
        ]

    def id_for_label(self, id_):
        return f"{id_}_0" if id_ else ""

    def render(self, name, value, attrs=None, renderer=None):
        context = self.get_context(name, value, attrs)
        rows = []
        for label, subwidget in zip(
            self.choice_labels, context["widget"]["subwidgets"], strict=True
        ):
            select = self._render(subwidget["template_name"], {"widget": subwidget}, renderer)
            rows.append((subwidget["attrs"].get("id", ""), label, select))
        return format_html(
            '<div class="participation-ranking">{}</div>',
            format_html_join(
                "",
                '<div class="participation-ranking__choice"><label for="{}">{}</label> {}</div>',
                rows,
            ),
        )


# Fields --------------------------------------------------------------------------------------


class LimitedMultipleChoiceField(forms.MultipleChoiceField):
    def __init__(self, *args, max_choices=None, **kwargs):
        self.max_choices = max_choices
        super().__init__(*args, **kwargs)

    def validate(self, value):
        super().validate(value)
        if self.max_choices and len(value) > self.max_choices:
            raise forms.ValidationError(
                ngettext(
                    "Choose at most %(count)d answer.",
                    "Choose at most %(count)d answers.",
                    self.max_choices,
                )
                % {"count": self.max_choices},
                code="max_choices",
            )


class RankingField(forms.MultiValueField):
    """Each choice gets a rank from 1 to n, each rank used once; cleans to choices, best first."""

    default_error_messages = {
        "required": _("Give each choice a rank."),
        "incomplete": _("Give each choice a rank."),
    }

    def __init__(self, choices, **kwargs):
        self.choice_labels = list(choices)
        ranks = [(str(rank), str(rank)) for rank in range(1, len(self.choice_labels) + 1)]
        fields = [
            forms.TypedChoiceField(choices=ranks, coerce=int, required=False, empty_value=None)
            for _ in self.choice_labels
        ]
        super().__init__(
            fields,
            widget=RankingWidget(self.choice_labels),
            require_all_fields=False,
            **kwargs,
        )

    def compress(self, data_list):
        if not data_list:
            return []
        ranked = [
            (rank, choice)
            for rank, choice in zip(data_list, self.choice_labels, strict=True)
            if rank is not None
        ]
        if not ranked:
            return []
        if self.required and len(ranked) < len(self.choice_labels):
            raise forms.ValidationError(self.error_messages["incomplete"], code="incomplete")
        ranks = [rank for rank, _choice in ranked]
        duplicates = sorted({rank for rank in ranks if ranks.count(rank) > 1})
        if duplicates:
            raise forms.ValidationError(
                ngettext(
                    "Each rank can be given only once: rank %(ranks)s is used more than once.",
                    "Each rank can be given only once: ranks %(ranks)s are used more than once.",
                    len(duplicates),
                )
                % {"ranks": ", ".join(str(rank) for rank in duplicates)},
                code="duplicate_rank",
            )
        return [choice for _rank, choice in sorted(ranked)]


def with_instructions(help_text, instructions):
    return f"{help_text} {instructions}" if help_text else instructions


def question_field(question):
    common = {
        "label": question.text,
        "help_text": question.help_text,
        "required": question.required,
        "error_messages": {"required": _("Answer this question.")},
    }
    kind = question.kind
    if kind == QuestionKind.OPEN:
        return forms.CharField(
            max_length=OPEN_MAX_LENGTH,
            widget=forms.Textarea(attrs={"rows": 5}),
            **common,
        )
    if kind == QuestionKind.SINGLE:
        return forms.ChoiceField(
            choices=[(choice, choice) for choice in unique_choices(question)],
            widget=RadioGroup,
            **common,
        )
    if kind == QuestionKind.MULTIPLE:
        if question.max_choices:
            common["help_text"] = with_instructions(
                question.help_text,
                ngettext(
                    "Choose up to %(count)d answer.",
                    "Choose up to %(count)d answers.",
                    question.max_choices,
                )
                % {"count": question.max_choices},
            )
        return LimitedMultipleChoiceField(
            choices=[(choice, choice) for choice in unique_choices(question)],
            widget=CheckboxGroup,
            max_choices=question.max_choices,
            **common,
        )
    if kind == QuestionKind.RANKING:
        common["help_text"] = with_instructions(
            question.help_text, _("Give each choice a rank: 1 for your first choice.")
        )
        common["error_messages"] = {"required": _("Give each choice a rank.")}
        return RankingField(unique_choices(question), **common)
    if kind == QuestionKind.YES_NO:
        return forms.ChoiceField(choices=YES_NO_CHOICES, widget=RadioGroup, **common)
    raise ValueError(f"Unknown question kind: {kind!r}")


# The form ------------------------------------------------------------------------------------


def page_accepts_codes(page):
    return getattr(page, "participation_codes", CodeUse.ACCOUNTS_ONLY) != CodeUse.ACCOUNTS_ONLY


def shows_code_field(page, user):
    """The code field, for visitors without account, and for everyone when a code is required."""
    if not page_accepts_codes(page):
        return False
    signed_in = user is not None and user.is_authenticated
    return not signed_in or page.participation_codes == CodeUse.CODE_REQUIRED


def page_questions(page):
    return list(Question.objects.filter(page_id=page.pk).order_by("sort_order", "pk"))


class QuestionnaireForm(HoneypotFormMixin, forms.Form):
    def __init__(self, questions, *args, with_code=False, code_required=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        honeypot = self.fields.pop("website")
        for question in self.questions:
            self.fields[field_name(question)] = question_field(question)
        if with_code:
            self.fields[CODE_FIELD] = forms.CharField(
                label=_("Participation code"),
                max_length=40,
                required=code_required,
                help_text=_("The code the town gave you on paper, for example ACDE-FGHJK-MNPQR."),
                widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
            )
        self.fields["website"] = honeypot

    def question_fields(self):
        return [self[field_name(question)] for question in self.questions]

    @property
    def code_field(self):
        return self[CODE_FIELD] if CODE_FIELD in self.fields else None

    def answers(self):
        """(question, text, choices) for each answered question, once the form is valid."""
        answered = []
        for question in self.questions:
            value = self.cleaned_data.get(field_name(question))
            if question.kind == QuestionKind.OPEN:
                if value:
                    answered.append((question, value, []))
            elif question.kind in (QuestionKind.SINGLE, QuestionKind.YES_NO):
                if value:
                    answered.append((question, "", [value]))
            elif value:
                answered.append((question, "", list(value)))
        return answered


def build_answers(response, form):
    return [
        QuestionAnswer(response=response, question=question, text=text, choices=choices)
        for question, text, choices in form.answers()
    ]


# Showing answers back -------------------------------------------------------------------------


def yes_no_label(value):
    return dict(YES_NO_CHOICES).get(value, value)


def answers_for_display(response):
    """A response's answers in question order, for its author: plain values, escaped later."""
    answers = (
        response.answers.select_related("question")
        .order_by("question__sort_order", "question__pk")
        .all()
    )
    shown = []
    for answer in answers:
        question = answer.question
        choices = list(answer.choices or [])
        if question.kind == QuestionKind.YES_NO:
            choices = [yes_no_label(choice) for choice in choices]
        shown.append(
            {
                "question": question,
                "text": answer.text,
                "choices": choices,
                "ranked": question.kind == QuestionKind.RANKING,
            }
        )
    return shown


# Results -------------------------------------------------------------------------------------


def percent(part, total):
    """``part`` of ``total`` in whole percents, halves rounded up; None without any total."""
    if not total:
        return None
    return (200 * part + total) // (2 * total)


def yes_no_results(page):
    """For each yes/no question of ``page``, its for and against counts: one query.

    Only answers to responses of this page count.
    """
    in_page = Q(answers__response__page_id=page.pk)
    questions = (
        Question.objects.filter(page_id=page.pk, kind=QuestionKind.YES_NO)
        .annotate(
            votes_for=Count("answers", filter=in_page & Q(answers__choices__0=YES)),
            votes_against=Count("answers", filter=in_page & Q(answers__choices__0=NO)),
        )
        .order_by("sort_order", "pk")
    )
    results = []
    for question in questions:
        total = question.votes_for + question.votes_against
        for_percent = percent(question.votes_for, total)
        results.append(
            {
                "question": question,
                "for": question.votes_for,
                "against": question.votes_against,
                "total": total,
                "for_percent": for_percent,
                "against_percent": None if for_percent is None else 100 - for_percent,
            }
        )
    return results


def choice_counts(question):
    """How many respondents chose each choice of a single, multiple choice or yes/no question.

    Returns ``{"question", "total", "choices": [{"choice", "count", "percent"}]}``, where
    ``total`` counts the respondents who answered the question and ``percent`` is the share
    of them who chose the choice (for multiple choice questions, shares add up past 100).
    One query, whatever the number of responses.
    """
    if question.kind == QuestionKind.YES_NO:
        values = [(YES, str(yes_no_label(YES))), (NO, str(yes_no_label(NO)))]
        positions = 1
    elif question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        values = [(choice, choice) for choice in unique_choices(question)]
        positions = 1 if question.kind == QuestionKind.SINGLE else max(len(values), 1)
    else:
        raise ValueError("choice_counts() is for single, multiple choice and yes/no questions.")

    def chosen(value):
        condition = Q()
        for position in range(positions):
            condition |= Q(**{f"choices__{position}": value})
        return condition

    aggregates = {
        f"choice_{index}": Count("pk", filter=chosen(value))
        for index, (value, _label) in enumerate(values)
    }
    counts = QuestionAnswer.objects.filter(
        question=question, response__page_id=question.page_id
    ).aggregate(total=Count("pk"), **aggregates)
    total = counts["total"]
    return {
        "question": question,
        "total": total,
        "choices": [
            {
                "choice": label,
                "count": counts[f"choice_{index}"],
                "percent": percent(counts[f"choice_{index}"], total),
            }
            for index, (_value, label) in enumerate(values)
        ],
    }
