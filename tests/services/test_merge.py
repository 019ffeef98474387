"""The merge after a stale save: ``services.merge.merge`` over three plain versions (the
one the form was opened at, theirs saved since, yours in the form), and the merge a
refused save carries."""

import pytest

from explainers import revisions
from explainers.models import Article
from explainers.services import Refused
from explainers.services.articles import ArticleChange, SectionChange, save_article
from explainers.services.merge import Side, merge


def side(title="T", dek="D", sections=None, citations=None, authors=(1,)):
    return Side(
        article={
            "title": title,
            "slug": "s",
            "dek": dek,
            "work_id": 1,
            "hero_image_id": None,
            "authors": list(authors),
            "related": [],
        },
        sections=sections if sections is not None else {},
        citations=citations if citations is not None else {},
    )


def section(heading="H", body="B", order=1, warnings=()):
    return {
        "order": order,
        "heading": heading,
        "safe_heading": "",
        "spoiler_level_id": 1,
        "body": body,
        "image_id": None,
        "reveals_through_id": None,
        "content_warnings": list(warnings),
    }


def test_fields_only_they_changed_take_theirs_and_fields_only_you_changed_take_yours():
    base = side(title="Base", dek="Base dek")
    theirs = side(title="Base", dek="Their dek")
    yours = side(title="Your title", dek="Base dek")
    merged = merge(base, theirs, yours)
    assert merged.article["title"] == "Your title"
    assert merged.article["dek"] == "Their dek"
    assert merged.clashes == []
    assert ("article", None, "dek") in merged.theirs_taken
    assert ("article", None, "title") in merged.yours_taken


def test_a_field_both_changed_differently_is_a_clash_holding_yours_for_now():
    merged = merge(side(title="Base"), side(title="Theirs"), side(title="Yours"))
    [clash] = merged.clashes
    assert (clash.part, clash.field) == ("article", "title")
    assert (clash.base, clash.theirs, clash.yours) == ("Base", "Theirs", "Yours")
    assert merged.article["title"] == "Yours"


def test_the_same_change_on_both_sides_is_no_clash():
    merged = merge(side(title="Base"), side(title="Same"), side(title="Same"))
    assert merged.clashes == [] and merged.article["title"] == "Same"


def test_line_endings_posted_by_a_browser_and_the_order_of_choices_are_not_changes():
    base = side(dek="One\nTwo", authors=(1, 2))
    theirs = side(dek="One\nTwo, rewritten", authors=(1, 2))
    yours = side(dek="One\r\nTwo", authors=(2, 1))
    merged = merge(base, theirs, yours)
    assert merged.clashes == []
    assert merged.article["dek"] == "One\nTwo, rewritten"


def test_sections_merge_field_by_field():
    base = side(sections={7: section(heading="Base", body="Base body")})
    theirs = side(sections={7: section(heading="Base", body="Their body")})
    yours = side(sections={7: section(heading="Your heading", body="Base body")})
    merged = merge(base, theirs, yours)
    [row] = merged.sections
    assert (row.key, row.saved, row.deleted) == (7, True, False)
    assert row.values["heading"] == "Your heading" and row.values["body"] == "Their body"
    assert merged.clashes == []


def test_a_section_body_both_changed_is_a_clash_of_that_section():
    base = side(sections={7: section(body="Base")})
    merged = merge(
        base, side(sections={7: section(body="Theirs")}), side(sections={7: section(body="Yours")})
    )
    [clash] = merged.clashes
    assert (clash.part, clash.key, clash.field) == ("section", 7, "body")
    assert merged.clash_for("section", 7, "body") is clash


def test_sections_added_on_either_side_are_all_kept_theirs_saved_yours_new():
    base = side(sections={7: section()})
    theirs = side(sections={7: section(), 8: section(heading="Theirs, added", order=2)})
    yours = side(sections={7: section(), "new-1": section(heading="Yours, added", order=3)})
    merged = merge(base, theirs, yours)
    rows = {row.key: row for row in merged.sections}
    assert set(rows) == {7, 8, "new-1"}
    assert rows[8].saved and not rows["new-1"].saved
    assert [row.saved for row in merged.sections] == [True, True, False]  # saved rows first
    assert merged.clashes == []


def test_rows_come_in_reading_order_whatever_order_the_revisions_list_them():
    rows = {12: section(order=3), 9: section(order=1), 30: section(order=2)}
    merged = merge(side(sections=rows), side(sections=rows), side(sections=rows))
    assert [row.key for row in merged.sections] == [9, 30, 12]


def test_a_section_you_deleted_that_they_left_alone_stays_deleted():
    base = side(sections={7: section(), 8: section(order=2)})
    merged = merge(base, base, side(sections={7: section()}))
    row = next(row for row in merged.sections if row.key == 8)
    assert row.deleted and row.saved and not merged.clashes


def test_a_section_they_deleted_that_you_left_alone_is_gone():
    base = side(sections={7: section(), 8: section(order=2)})
    merged = merge(base, side(sections={7: section()}), base)
    assert [row.key for row in merged.sections] == [7]


def test_a_section_they_deleted_but_you_changed_comes_back_as_new_with_a_clash():
    base = side(sections={7: section(), 8: section(body="Base", order=2)})
    yours = side(sections={7: section(), 8: section(body="Yours", order=2)})
    merged = merge(base, side(sections={7: section()}), yours)
    row = next(row for row in merged.sections if row.key == 8)
    assert not row.saved and not row.deleted and row.values["body"] == "Yours"
    [clash] = merged.clashes
    assert (clash.key, clash.field, clash.theirs) == (8, None, None)


def test_a_section_you_deleted_but_they_changed_is_a_clash_deleted_for_now():
    base = side(sections={7: section(), 8: section(body="Base", order=2)})
    theirs = side(sections={7: section(), 8: section(body="Theirs", order=2)})
    merged = merge(base, theirs, side(sections={7: section()}))
    row = next(row for row in merged.sections if row.key == 8)
    assert row.saved and row.deleted and row.values["body"] == "Theirs"
    [clash] = merged.clashes
    assert (clash.key, clash.field, clash.yours) == (8, None, None)


def test_citations_merge_like_sections():
    cite = {"key": "k", "source_id": 1, "locator": "", "quotation": ""}
    base = side(citations={3: cite})
    theirs = side(citations={3: {**cite, "locator": "p. 4"}})
    yours = side(citations={3: {**cite, "quotation": "Words."}})
    [row] = merge(base, theirs, yours).citations
    assert row.values["locator"] == "p. 4" and row.values["quotation"] == "Words."


# --- the merge a stale save carries -------------------------------------------------------


def change_of(article, **fields):
    article = Article.objects.get(pk=article.pk)
    for name, value in fields.items():
        setattr(article, name, value)
    sections = [SectionChange(s, changed=False) for s in article.sections.order_by("order")]
    return ArticleChange(article=article, opened_version=article.version, sections=sections)


def test_a_stale_save_is_refused_with_the_merge_of_both_changes(make_article, senior_editor):
    article = make_article(sections=[(0, "Intro", "", "Plain.")], status=Article.Status.DRAFT)
    revisions.save_revision(article, comment="Opened here.")
    mine = change_of(article, title="My title")
    mine.sections[0].section.body = "My body."
    save_article(change_of(article, dek="Their dek."), user=senior_editor)

    with pytest.raises(Refused) as refused:
        save_article(mine, user=senior_editor)

    merged = refused.value.conflict.merge
    assert merged.article["title"] == "My title"
    assert merged.article["dek"] == "Their dek."
    assert merged.sections[0].values["body"] == "My body."
    assert merged.clashes == []
    assert "merged in the form below" in str(refused.value)
    article.refresh_from_db()
    assert article.title != "My title"  # nothing of the stale save was written


def test_a_stale_save_changing_what_they_changed_lists_the_clash(make_article, senior_editor):
    article = make_article(sections=[(0, "Intro", "", "Plain.")], status=Article.Status.DRAFT)
    revisions.save_revision(article, comment="Opened here.")
    mine = change_of(article, dek="My dek.")
    save_article(change_of(article, dek="Their dek."), user=senior_editor)

    with pytest.raises(Refused) as refused:
        save_article(mine, user=senior_editor)

    [clash] = refused.value.conflict.merge.clashes
    assert (clash.field, clash.theirs, clash.yours) == ("dek", "Their dek.", "My dek.")
    assert "1 place where you both changed the same thing" in str(refused.value)


def test_without_the_revision_it_was_opened_at_there_is_no_merge(make_article, senior_editor):
    article = make_article(sections=[(0, "Intro", "", "Plain.")], status=Article.Status.DRAFT)
    mine = change_of(article, title="Mine")
    save_article(change_of(article, title="Theirs"), user=senior_editor)
    with pytest.raises(Refused) as refused:
        save_article(mine, user=senior_editor)
    assert refused.value.conflict.merge is None
    assert "reload the article" in str(refused.value)
