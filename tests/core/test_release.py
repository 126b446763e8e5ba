"""The release rendered pages are cached under (apps/core/release.py): a changed template
or translation makes new keys, so a deploy never serves the old pages."""

from apps.core import release as release_module
from apps.programs import catalog_cache


def test_a_changed_template_is_a_new_release_and_new_catalog_keys(settings, tmp_path, monkeypatch):
    monkeypatch.delenv("PORTAL_RELEASE", raising=False)
    (tmp_path / "page.html").write_text("<p>旧</p>")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]
    settings.LOCALE_PATHS = []
    monkeypatch.setattr(release_module, "code_roots", list)
    release_module.release.cache_clear()
    before = (release_module.release(), catalog_cache.page_key("list", "international"))

    (tmp_path / "page.html").write_text("<p>新</p>")
    release_module.release.cache_clear()
    after = (release_module.release(), catalog_cache.page_key("list", "international"))

    assert before[0] != after[0] and before[1] != after[1]
    release_module.release.cache_clear()


def test_changed_code_is_a_new_release(settings, tmp_path, monkeypatch):
    monkeypatch.delenv("PORTAL_RELEASE", raising=False)
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": []}]
    settings.LOCALE_PATHS = []
    (tmp_path / "views.py").write_text("SHAPE = 1\n")
    monkeypatch.setattr(release_module, "code_roots", lambda: [tmp_path])
    release_module.release.cache_clear()
    before = release_module.release()

    (tmp_path / "views.py").write_text("SHAPE = 2\n")
    release_module.release.cache_clear()
    assert release_module.release() != before
    release_module.release.cache_clear()


def test_a_named_release_is_used_as_it_is(monkeypatch):
    monkeypatch.setenv("PORTAL_RELEASE", "3f2a9c1")
    release_module.release.cache_clear()
    assert release_module.release() == "3f2a9c1"
    monkeypatch.delenv("PORTAL_RELEASE")
    release_module.release.cache_clear()
