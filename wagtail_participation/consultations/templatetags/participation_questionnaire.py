"""What the questionnaire teaser of a consultation page needs, in a fixed number of queries."""

from django import template

from ..models import Question
from ..questionnaire import yes_no_results

register = template.Library()


@register.simple_tag
def questionnaire_summary(page):
    """Whether ``page`` has questions, whether they can be answered, and yes/no results.

    Two queries at most, whatever the number of responses: one for the questions, one
    aggregate for the results once they are visible.
    """
    has_questions = Question.objects.filter(page_id=page.pk).exists()
    is_open = has_questions and page.questionnaire_open()
    results_visible = has_questions and page.questionnaire_results_visible()
    return {
        "has_questions": has_questions,
        "open": is_open,
        "url": page.url + page.reverse_subpage("questionnaire") if page.url else "",
        "results_visible": results_visible,
        "results": yes_no_results(page) if results_visible else [],
    }
