"""The ``storyline eval`` commands: quality measured on evaluation sets, against baselines."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from ._shared import JsonFlag, progress_bar

eval_app = typer.Typer(help="Measure quality on evaluation sets.", no_args_is_help=True)


ArticleLimit = Annotated[Optional[int], typer.Option(min=1, help="Only the first N articles.")]
ParallelJobs = Annotated[Optional[int], typer.Option(
    "--jobs", "-j", min=1, help="Processes for the parallel run [default: every core].")]
AnnotatingJobs = Annotated[Optional[int], typer.Option(
    "--jobs", "-j", min=1, help="Processes annotating [default: every core].")]

@eval_app.command("extraction")
def eval_extraction_cmd(
    path: Annotated[Path, typer.Argument(metavar="FILE.jsonl", exists=True, dir_okay=False,
                                         help="Records with 'html' and gold 'body', or with "
                                              "'must_include'/'must_exclude' strings.")],
    json_: JsonFlag = False,
    limit: Annotated[Optional[int], typer.Option(min=1, help="Only the first N pages.")] = None,
    jobs: ParallelJobs = None,
    show_misses: Annotated[bool, typer.Option(
        "--show-misses", help="Checks sets: list the required strings lost and the "
                              "boilerplate strings kept by storyline.")] = False,
) -> None:
    """Token precision/recall/F1 of our stored bodies vs plain trafilatura.extract.

    Ours is a full ingest (extraction, cleaning, de-duplication, storage) into a temporary
    database, once on one process and once on --jobs; pages/s counts all of it. A file whose
    records carry 'must_include'/'must_exclude' string lists instead of a 'body' is scored
    as checks: required strings kept, boilerplate strings dropped (whitespace normalised).
    """
    from ..evaluate import evaluate_checks, evaluate_extraction, is_checks_set

    if is_checks_set(path):
        checks = evaluate_checks(path, limit=limit, jobs=jobs)
        if json_:
            typer.echo(json.dumps([r.to_dict() for r in checks], indent=2))
            return
        _print_scores(f"Extraction checks: {path} ({checks[0].pages} pages)",
                      ("required kept", "boilerplate dropped", "pages", "pages/s"),
                      [(r.system, f"{r.kept} of {r.required}", f"{r.dropped} of {r.boilerplate}",
                        str(r.pages), f"{r.pages_per_second:.1f}") for r in checks])
        if show_misses:
            for page, text in checks[0].lost:
                typer.echo(f"lost\t{page}\t{text}")
            for page, text in checks[0].leaked:
                typer.echo(f"leaked\t{page}\t{text}")
        return
    results = evaluate_extraction(path, limit=limit, jobs=jobs)
    if json_:
        typer.echo(json.dumps([r.to_dict() for r in results], indent=2))
        return
    _print_scores(f"Article extraction: {path} ({results[0].pages} pages)",
                  ("precision", "recall", "F1", "accuracy", "pages/s"),
                  [(r.system, f"{r.precision:.3f}", f"{r.recall:.3f}", f"{r.f1:.3f}",
                    f"{r.accuracy:.3f}", f"{r.pages_per_second:.1f}") for r in results])


def _print_scores(title: str, columns: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    """An evaluation's table: one row per system, its figures right-aligned.

    The title goes on its own unwrapped line: as a table title rich would wrap it to the
    table's width, splitting a long path or "arriving in 3 batches" across lines."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table()
    table.add_column("system", no_wrap=True)
    for name in columns:
        table.add_column(name, justify="right", no_wrap=True, min_width=len(name))
    for row in rows:
        table.add_row(*row)
    console = Console(highlight=False)
    console.width = max(console.width, 120)
    console.print(Text(title, style="bold"), soft_wrap=True)
    console.print(table)


@eval_app.command("quotes")
def eval_quotes_cmd(
    path: Annotated[Path, typer.Argument(metavar="FILE.jsonl", exists=True, dir_okay=False,
                                         help="Articles with 'text' and gold 'quotes' (PolNeAR).")],
    json_: JsonFlag = False,
    limit: ArticleLimit = None,
    jobs: ParallelJobs = None,
    baseline: Annotated[bool, typer.Option(
        "--baseline/--no-baseline", help="Also run textacy's direct_quotations.")] = True,
) -> None:
    """Quote recall, precision and speaker accuracy vs textacy, on the same articles.

    Recall: gold attributions with quotation marks that a found quote overlaps (half of the
    shorter span). Precision: found direct and partial quotes that overlap a gold
    attribution; "strict" matches found and gold quotes one to one. Named speakers: share
    right where the gold speaker is written as a name, and the precision of the speakers
    given; described: share right where it is a description ("the newspaper", "a
    spokesman"). Every system's speakers are judged by the same rule: the speaker it names
    or the words it read them from.
    """
    from ..evaluate import evaluate_quotes

    results = evaluate_quotes(path, limit=limit, jobs=jobs, baseline=baseline)
    if json_:
        typer.echo(json.dumps([r.to_dict() for r in results], indent=2))
        return
    first = results[0]
    _print_scores(
        f"Quotes: {path} ({first.articles} articles, {first.gold_quoted} quoted attributions)",
        ("found", "recall (strict)", "precision (strict)", "named speakers", "named prec.",
         "described", "ind. prec.", "articles/s"),
        [(r.system, str(r.found), f"{r.recall:.3f} ({r.strict_recall:.3f})",
          f"{r.precision:.3f} ({r.strict_precision:.3f})",
          f"{r.speaker_accuracy:.3f} of {r.speakers_judged}", _figure(r.speaker_precision),
          f"{_figure(r.description_accuracy)} of {r.descriptions_judged}",
          _figure(r.indirect_precision), f"{r.articles_per_second:.1f}") for r in results])


def _figure(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


class Arrival(str, Enum):
    order = "order"
    batches = "batches"


@eval_app.command("clustering")
def eval_clustering_cmd(
    path: Annotated[Path, typer.Argument(metavar="FILE.jsonl", exists=True, dir_okay=False,
                                         help="Articles with 'title'/'text' and a gold 'story'.")],
    json_: JsonFlag = False,
    limit: ArticleLimit = None,
    jobs: AnnotatingJobs = None,
    orders: Annotated[int, typer.Option(
        min=1, help="Run online grouping over this many shuffled ingest orders (ties in "
                    "publication time are broken by ingest order); the first row is the mean.")] = 3,
    seed: Annotated[int, typer.Option(help="Seed of the first shuffled order.")] = 0,
    file_order: Annotated[bool, typer.Option(
        "--file-order", help="Ingest in the file's order instead (flatters online grouping "
                             "when the file lists each story's articles together).")] = False,
    baseline: Annotated[bool, typer.Option(
        "--baseline/--no-baseline", help="Also run the offline TF-IDF baseline.")] = True,
    arrival: Annotated[Arrival, typer.Option(
        help="'order': all at once, grouped in publication order; 'batches': each order "
             "arrives in --batches batches one after another, so older reports may come "
             "after newer ones, as from a backfill.")] = Arrival.order,
    batches: Annotated[int, typer.Option(
        min=2, help="How many batches --arrival batches delivers.")] = 6,
) -> None:
    """BCubed precision, recall and F1 of online story grouping vs two baselines.

    The articles are ingested (and annotated) into a temporary database, then grouped as
    `storyline recluster` does. Baselines on the same stored articles: every article alone,
    and TF-IDF + average-linkage agglomerative clustering cut at one cosine distance.
    """
    from ..evaluate import evaluate_clustering

    results = evaluate_clustering(path, limit=limit, jobs=jobs, baseline=baseline,
                                  orders=orders, seed=None if file_order else seed,
                                  batches=batches if arrival is Arrival.batches else 1)
    if json_:
        typer.echo(json.dumps([r.to_dict() for r in results], indent=2))
        return
    first = results[0]
    order = "file order" if file_order else f"{orders} shuffled ingest orders"
    if arrival is Arrival.batches:
        order += f", each arriving in {batches} batches"
    _print_scores(
        f"Stories: {path} ({first.articles} articles, {first.gold_stories} gold stories, {order})",
        ("stories", "precision", "recall", "F1", "articles/s"),
        [(r.system, str(r.stories), f"{r.precision:.3f}", f"{r.recall:.3f}", f"{r.f1:.3f}",
          "-" if not r.seconds else f"{r.articles_per_second:.0f}") for r in results])
    if first.prepare_seconds:
        typer.echo(f"Before grouping, ingest and annotation took {first.prepare_seconds:.1f} s "
                   f"({first.articles / first.prepare_seconds:.1f} articles/s).")
    if baseline and not any(r.system.startswith("offline") for r in results):
        typer.echo("The offline baseline needs scikit-learn: pip install 'storyline[eval]'.")


@eval_app.command("summaries")
def eval_summaries_cmd(
    path: Annotated[Path, typer.Argument(metavar="FILE.jsonl", exists=True, dir_okay=False,
                                         help="Articles with 'title'/'text' and a gold 'story'.")],
    sentences: Annotated[int, typer.Option(
        "--sentences", "-n", min=1, help="Sentences per summary, for every system.")] = 3,
    json_: JsonFlag = False,
    limit: ArticleLimit = None,
    jobs: AnnotatingJobs = None,
    pairs: Annotated[Optional[Path], typer.Option(
        "--pairs", file_okay=False,
        help="Folder of gold sentence pairs (ecbplus-facts) to judge corroboration by; "
             "default: an ecbplus-facts folder beside the articles' folder.")] = None,
) -> None:
    """ROUGE of the brief's summary vs lead and LexRank, per gold story, against headlines.

    The articles are ingested (and annotated) into a temporary database and grouped by
    their gold story. For each story of two or more articles, every system picks the same
    number of sentences from the same stored bodies: ours (the brief's summary), lead (the
    first sentence of each source in turn, then the second ones) and sumy's LexRank. The
    references are the story's own headlines: ROUGE F against the best-matching one, averaged
    over stories. Also: share of sentences cited exactly from a stored body, redundancy
    (highest ROUGE-1 F between two sentences of a summary), the share another outlet says
    the same as by the brief's own similarity ("same") and, with gold event pairs, the share
    of the sentences the gold covers that report an event another article reports ("gold").
    """
    from ..evaluate import default_pairs_folder, evaluate_summaries

    folder = pairs if pairs is not None else default_pairs_folder(path)
    with progress_bar("annotating, summarising", show=not json_) as advance:
        results = evaluate_summaries(path, limit=limit, jobs=jobs, sentences=sentences,
                                     on_progress=advance, pairs=folder)
    if json_:
        typer.echo(json.dumps([r.to_dict() for r in results], indent=2))
        return
    first = results[0]
    _print_scores(
        f"Summaries: {path} ({first.stories} stories of 2+ articles, {sentences} sentences)",
        ("stories", "sentences", "R-1", "R-2", "cited", "redundant", "same", "gold",
         "seconds"),
        [(r.system, str(r.stories), f"{r.sentences:.2f}", f"{r.rouge1:.3f}", f"{r.rouge2:.3f}",
          f"{r.cited:.3f}", f"{r.redundancy:.3f}", f"{r.corroborated:.3f}",
          "–" if r.corroborated_gold is None
          else f"{r.corroborated_gold:.3f} of {r.judged:.0%}", f"{r.seconds:.2f}")
         for r in results])
    typer.echo("References are the stories' own headlines (the titles of their articles, never "
               "part of the bodies; in ECB+ the first sentence its parser chose); R-1/R-2 = "
               "ROUGE F against the best-matching headline. Redundant: highest ROUGE-1 F "
               "between two sentences of a summary. Same: share of sentences another outlet "
               "says the same as, by the brief's own similarity.")
    if first.corroborated_gold is not None:
        typer.echo(f"Gold: share of sentences reporting an event another article reports, by "
                   f"the event pairs of {folder}, of the summary sentences they cover (the "
                   "share after 'of').")
    else:
        typer.echo("Gold: – (no gold event pairs for these articles; ecbplus-facts covers "
                   "ECB+).")
    if first.prepare_seconds:
        typer.echo(f"Before summarising, ingest and annotation took {first.prepare_seconds:.1f} s.")


@eval_app.command("facts")
def eval_facts_cmd(
    path: Annotated[Path, typer.Argument(metavar="ARTICLES.jsonl", exists=True, dir_okay=False,
                                         help="Articles with 'title'/'text' and a gold 'story'.")],
    pairs: Annotated[Optional[Path], typer.Option(
        "--pairs", file_okay=False,
        help="Folder of gold sentence pairs (pairs.jsonl, sentences.jsonl), like "
             "shared/data/ecbplus-facts [default: the ecbplus-facts folder beside the "
             "articles' folder; without one, only the fact counts].")] = None,
    stories: Annotated[str, typer.Option(
        "--stories", help="Whose stories to brief: 'gold' (the gold stories) or 'online' "
                          "(storyline's own, after grouping).")] = "gold",
    json_: JsonFlag = False,
    limit: ArticleLimit = None,
    jobs: AnnotatingJobs = None,
    arrival: Annotated[Arrival, typer.Option(
        help="With --stories online: 'order' groups all at once in publication order; "
             "'batches' lets a shuffled order arrive in --batches batches.")] = Arrival.order,
    batches: Annotated[int, typer.Option(
        min=2, help="How many batches --arrival batches delivers.")] = 6,
) -> None:
    """Do a brief's corroborated facts group sentences that report the same event?

    The articles are ingested (and annotated) into a temporary database without their gold
    fields; every story is briefed, and each corroborated fact's evidence sentences form one
    group. Against the gold pairs (ECB+ event coreference, ecbplus-facts) a pair of
    sentences of two articles counts as said-the-same when both overlap one group (half of
    the shorter): precision, recall, F1, same-story and cross-story, beside all-same, the
    TF-IDF cosine baseline of the set's SOURCE.md and the brief's rule before the pair
    model. Only pairs whose two sentences lie in 'text' are scored (titles are not in the
    bodies a brief cites). Fact counts per status are printed with or without gold pairs.
    """
    from ..evaluate import default_pairs_folder, evaluate_facts

    if stories not in ("gold", "online"):
        raise typer.BadParameter("must be 'gold' or 'online'", param_hint="--stories")
    if arrival is Arrival.batches and stories != "online":
        raise typer.BadParameter("gold stories do not arrive; use it with --stories online",
                                 param_hint="--arrival")
    folder = pairs if pairs is not None else default_pairs_folder(path)
    with progress_bar("annotating, briefing", show=not json_) as advance:
        report = evaluate_facts(path, folder, stories=stories, limit=limit, jobs=jobs,
                                on_progress=advance,
                                batches=batches if arrival is Arrival.batches else 1)
    if json_:
        typer.echo(json.dumps(report.to_dict(), indent=2))
        return
    title = f"Facts: {path} ({report.articles} articles, {report.stories} {stories} stories)"
    if arrival is Arrival.batches:
        title = title[:-1] + f", arriving in {batches} batches)"
    if report.scores:
        first = report.scores[0]
        _print_scores(
            f"{title}; {first.pairs} gold pairs in text, base rate {first.base_rate:.3f}",
            ("precision", "recall", "F1", "predicted same", "same-story P / R",
             "cross-story P / R"),
            [(s.system, f"{s.precision:.3f}", f"{s.recall:.3f}", f"{s.f1:.3f}",
              str(s.predicted_same),
              f"{s.same_story['precision']:.3f} / {s.same_story['recall']:.3f}",
              f"{s.cross_story['precision']:.3f} / {s.cross_story['recall']:.3f}")
             for s in report.scores])
        typer.echo(f"Evidence spans: {report.evidence_spans}, not aligned to the records' "
                   f"text: {report.unaligned_spans}.")
    else:
        typer.echo(f"{title}: {report.note}; so only the fact counts.")
    _print_scores("Facts per status", ("corroborated", "single-source", "conflict"),
                  [(name, *(str(c[s]) for s in ("corroborated", "single-source", "conflict")))
                   for name, c in report.counts.items()])
