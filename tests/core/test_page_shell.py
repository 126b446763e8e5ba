"""Pages rendered once for no one and cut at their marks (apps/core/templatetags/
portal_header.py): what `join_marks` fills in per request, as the response's UTF-8."""

from apps.core.templatetags.portal_header import join_marks, mark, split_marks


def test_a_page_is_cut_at_its_marks_and_joined_back_with_their_values():
    page = split_marks(f"<header>{mark('header')}</header><p>{mark('csrf')}</p>{mark('csrf')}")
    assert page[1::2] == ("header", "csrf", "csrf")
    filled = join_marks(page, {"header": "张晓明", "csrf": "t0k"})
    assert filled == "<header>张晓明</header><p>t0k</p>t0k".encode()


def test_a_value_cut_at_marks_of_its_own_is_filled_in_too():
    notices = split_marks(f'<form><input value="{mark("csrf")}"></form>')
    page = split_marks(f"<main>{mark('notices')}</main>")
    assert join_marks(page, {"notices": notices, "csrf": "t0k"}) == (
        b'<main><form><input value="t0k"></form></main>'
    )


def test_the_views_own_marks_come_from_its_function_and_unknown_ones_stay():
    page = split_marks(f"a{mark('mine:7')}b{mark('mine:8')}c{mark('other')}d")
    badges = {"mine:7": "[已报名]"}
    filled = join_marks(page, {}, lambda name: badges.get(name, "") if "mine:" in name else None)
    assert filled == f"a[已报名]bc{mark('other')}d".encode()


def test_text_without_marks_is_one_part():
    assert split_marks("<p>没有标记</p>") == ("<p>没有标记</p>".encode(),)


def test_the_text_is_kept_encoded_and_the_values_are_encoded_as_they_go_in():
    page = split_marks(f"<p>{mark('name')}</p>")
    assert page == (b"<p>", "name", b"</p>")
    assert join_marks(page, {"name": "张晓明"}) == "<p>张晓明</p>".encode()
    assert join_marks(page, {"name": "张晓明".encode()}) == "<p>张晓明</p>".encode()
