from rest_framework.fields import Field
from wagtail.rich_text import expand_db_html


class RichTextHTMLField(Field):
    """Rich text for the API as the HTML a browser shows (internal links made real)."""

    def to_representation(self, value):
        return expand_db_html(value)
