"""One way to write a date everywhere, admin and portal, in both languages: 2026-12-07 and
2026-12-07 14:30 (settings.FORMAT_MODULE_PATH). Django's own zh_Hans formats write
"2026年12月7日" in admin while the portal writes 2026-12-07; input formats stay Django's."""
