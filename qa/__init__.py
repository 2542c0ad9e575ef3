"""archive-qa: question answering over archival records, every claim cited by date and title."""

from . import settings  # noqa: F401  first: keeps the process offline before any model or Gradio import
from .answer import Answer, Citation, compose
from .archive import Archive
from .dates import RecordDate, parse_date
from .errors import ArchiveError, DateError, IndexProblem, ModelError, Problem, QuestionError, RecordsError
from .records import Record, load_records, read_records
from .retrieve import Hit, search

__all__ = [
    "Answer", "Archive", "ArchiveError", "Citation", "DateError", "Hit", "IndexProblem", "ModelError",
    "Problem", "QuestionError", "Record", "RecordDate", "RecordsError", "compose", "load_records",
    "parse_date", "read_records", "search",
]
