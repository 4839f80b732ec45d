"""The command that serves the archive over HTTP."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from ._shared import DbOption, db_path, stderr


def serve_cmd(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on (0.0.0.0: every interface).")]
        = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on.")] = 8000,
    max_body: Annotated[int, typer.Option(
        "--max-body", min=1, help="Largest request body accepted, in megabytes.")] = 16,
    workers: Annotated[int, typer.Option(
        "--workers", "-w", min=1, help="Server processes (one per core serves the most "
                                       "readers at once).")] = 1,
    db: DbOption = None,
) -> None:
    """Serve the archive: JSON API under /api (docs at /docs) and web pages at /.

    Reads are open. Writes (POST /api/articles) need the token in $STORYLINE_TOKEN, sent as
    'Authorization: Bearer <token>'; without it set, the server is read-only.
    """
    try:
        import uvicorn

        from ..server import TOKEN_ENV, create_app
    except ImportError as exc:
        from ..errors import MissingDependencyError

        raise MissingDependencyError(exc.name or "fastapi", "storyline serve", "serve") from None
    path = db_path(ctx, db)
    token = os.environ.get(TOKEN_ENV) or None
    app_ = create_app(path, token=token, max_body=max_body * 1024 * 1024)  # checks the file
    writes = "enabled (bearer token)" if token else f"disabled: set {TOKEN_ENV} to enable them"
    stderr(f"storyline: serving {path} on http://{host}:{port}/ with {workers} "
           f"process{'' if workers == 1 else 'es'} (API docs at /docs; writes {writes})")
    if workers == 1:
        uvicorn.run(app_, host=host, port=port, log_level="warning")
        return
    # each worker process builds its own app from the environment
    os.environ.update(STORYLINE_DB=path, STORYLINE_MAX_BODY=str(max_body * 1024 * 1024))
    uvicorn.run("storyline.server:app_from_env", factory=True, host=host, port=port,
                workers=workers, log_level="warning")
