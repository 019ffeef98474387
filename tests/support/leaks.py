"""Builders for the leak check's tests: a check over plain data, sections, a leaky post."""

from explainers.leaks import Term, check_article

from .admin_forms import article_post, section_row


def leak_check(terms, **article):
    """``check_article`` with the given terms; other places default to spoiler-free."""
    return check_article(terms=[Term.from_model(term) for term in terms.values()], **article)


def section(level, body="Nothing to see.", *, heading="A heading", safe_heading="", image=None):
    return {
        "spoiler_level": level,
        "heading": heading,
        "safe_heading": safe_heading,
        "body": body,
        "image": image,
    }


def wheres(report):
    return [(leak.where, leak.term) for leak in report.leaks]


def leaky_post(work, levels, **kwargs):
    """An article whose section 2 safe heading gives the twist away."""
    rows = [
        section_row(levels[0], "What kind of film this is", "A thriller.", order=1),
        section_row(
            levels[2],
            "What really happened on the bus",
            "Charlotte talked her into it: she cuts off her hand.",
            safe_heading="Why she cuts off her hand",
            order=2,
        ),
    ]
    return article_post(work, sections=rows, **kwargs)
