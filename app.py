"""archive-qa web chat: python app.py [--host 127.0.0.1] [--port 7860] [--index DIR] [--records PATH ...].

Set ARCHIVE_QA_ADMIN_PASSWORD to require a password for rebuilding the index and uploading records.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # before any Hugging Face import: never reach a hub
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--host", default=os.environ.get("ARCHIVE_QA_HOST", "127.0.0.1"),
                   help="address to bind (default 127.0.0.1, or $ARCHIVE_QA_HOST)")
    p.add_argument("--port", type=int, default=int(os.environ.get("ARCHIVE_QA_PORT", "7860")),
                   help="port (default 7860, or $ARCHIVE_QA_PORT)")
    p.add_argument("--index", type=Path, default=Path(os.environ.get("ARCHIVE_QA_INDEX", HERE / "index")))
    p.add_argument("--records", type=Path, nargs="+", default=[HERE / "seeds"],
                   help="records folder(s) to build from when the index is missing (default seeds/)")
    p.add_argument("--model", default=None, help="embedding model (default $ARCHIVE_QA_MODEL or all-MiniLM-L6-v2)")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(asctime)s %(name)s: %(message)s")
    logging.getLogger("qa").setLevel(logging.INFO)

    from qa.archive import Archive
    from qa.cli import _progress
    from qa.errors import ArchiveError

    from qa.embed import use_threads

    use_threads(1)  # questions answer fastest, and most steadily, on one thread each
    archive = Archive(args.index, model=args.model, records=args.records)
    try:
        archive.open(progress=_progress)
        archive.embedder.encode(["warm up"])  # the first question should not pay for loading the model
    except ArchiveError as e:
        print(f"archive-qa: {e}", file=sys.stderr)
        return 1

    from qa.web import launch

    print(f"archive-qa: serving {archive.current.manifest.count} records at http://{args.host}:{args.port}/",
          file=sys.stderr, flush=True)
    launch(archive, host=args.host, port=args.port, upload_dir=args.records[0] / "uploads",
           admin_password=os.environ.get("ARCHIVE_QA_ADMIN_PASSWORD") or None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
