"""Cut the printed form's CJK font down to common Chinese (see apps/applications/pdf_fonts)."""

from django.core.management.base import BaseCommand

from apps.applications import pdf_fonts


class Command(BaseCommand):
    help = (
        "Write the cut-down copies of Noto Sans CJK SC that keep the printed forms small "
        "(PDF_FONT_DIR). Skipped when they exist, unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Rebuild even if present.")

    def handle(self, *args, force, **options):
        if pdf_fonts.built() and not force:
            if options["verbosity"] >= 1:
                self.stdout.write(f"PDF fonts already built in {pdf_fonts.font_dir()}.")
            return
        # Said even with -v 0 (scripts/setup.sh): a newcomer's first run waits here.
        self.stdout.write(
            f"==> Building the printed form's Chinese font subset in {pdf_fonts.font_dir()} "
            "(once; about 30 s)"
        )
        for path in pdf_fonts.build():
            self.stdout.write(f"wrote {path} ({path.stat().st_size // 1024} KB)")
