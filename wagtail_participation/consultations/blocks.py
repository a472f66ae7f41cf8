from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageBlock


class DocumentLinkBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label=_("document"))
    title = blocks.CharBlock(label=_("title"), required=False, max_length=200)

    class Meta:
        icon = "doc-full"
        label = _("Document")
        template = "wagtail_participation/blocks/document_link.html"


class ConsultationBodyBlock(blocks.StreamBlock):
    heading = blocks.CharBlock(
        label=_("Heading"),
        max_length=120,
        form_classname="title",
        template=("wagtail_participation/blocks/heading.html"),
    )
    paragraph = blocks.RichTextBlock(
        label=_("Paragraph"), features=["bold", "italic", "link", "ol", "ul", "document-link"]
    )
    image = ImageBlock(label=_("Image"))
    document = DocumentLinkBlock()
