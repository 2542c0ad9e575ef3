"""archive-qa web chat: python app.py [--host 127.0.0.1] [--port 7860] [--index DIR|URL] [--records PATH ...].

Set ARCHIVE_QA_ADMIN_PASSWORD to require a password for rebuilding the index and uploading records. Every
setting is in the README's "Settings" table.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    from qa.errors import ArchiveError
    from qa.settings import current
    from qa.stores import location

    try:
        config = current()  # checked before anything starts: a bad value is one sentence and exit code 1
    except ArchiveError as e:
        print(f"archive-qa: {e}", file=sys.stderr)
        return 1
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--host", default=config.host,
                   help="address to bind (default 127.0.0.1, or $ARCHIVE_QA_HOST)")
    p.add_argument("--port", type=int, default=config.port, help="port (default 7860, or $ARCHIVE_QA_PORT)")
    p.add_argument("--index", type=location, default=config.index or HERE / "index",
                   help="index folder or milvus://HOST:PORT/NAME (default $ARCHIVE_QA_INDEX, else index/ "
                   "beside app.py)")
    p.add_argument("--records", type=Path, nargs="+", default=[HERE / "seeds"],
                   help="records folder(s) to build from when the index is missing (default seeds/)")
    p.add_argument("--model", default=None, help="embedding model (default $ARCHIVE_QA_MODEL or all-MiniLM-L6-v2)")
    p.add_argument("--llm", metavar="URL", default=None, help="answer in checked prose with the language "
                   "model at this OpenAI-compatible endpoint, e.g. http://127.0.0.1:8080/v1 (default "
                   "$ARCHIVE_QA_LLM)")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(asctime)s %(name)s: %(message)s")
    logging.getLogger("qa").setLevel(logging.INFO)

    from qa.archive import Archive
    from qa.build import print_progress
    from qa.embed import use_threads
    from qa.llm import Endpoint

    use_threads(1)  # questions answer fastest, and most steadily, on one thread each
    archive = Archive(args.index, model=args.model, records=args.records)
    try:
        archive.llm = Endpoint.from_settings(args.llm)
        archive.open(progress=print_progress)
        archive.embedder.encode(["warm up"])  # the first question should not pay for loading the model
    except ArchiveError as e:
        print(f"archive-qa: {e}", file=sys.stderr)
        return 1

    from qa.web import launch

    print(f"archive-qa: serving {archive.stamp()['records']} records at http://{args.host}:{args.port}/",
          file=sys.stderr, flush=True)
    launch(archive, host=args.host, port=args.port, upload_dir=args.records[0] / "uploads",
           admin_password=config.admin_password)
    return 0


if __name__ == "__main__":
    sys.exit(main())
