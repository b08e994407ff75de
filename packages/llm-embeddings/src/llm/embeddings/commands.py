"""The ``llm embed``, ``llm similar``, ``llm embed-models`` and ``llm collections`` commands."""

from __future__ import annotations

import base64
import functools
import json
from typing import Any

import click

from .cli_support import (
    DefaultGroup,
    collection_for_writing,
    command_errors,
    database_option,
    existing_collection,
    open_database,
    positive_integer,
    reliability,
    require_model_name,
    retry_options,
)
from .embed_multi import embed_multi

# ``-i/--input``: a file (or ``-`` for standard input) that ``read_content`` reads.
input_option = functools.partial(
    click.option,
    "-i",
    "--input",
    "input_path",
    type=click.Path(exists=True, allow_dash=True),
)


def read_content(
    content: str | None, input_path: str | None, binary: bool
) -> str | bytes:
    """The value to embed from ``-c``, ``-i FILE``/``-i -`` or standard input."""
    if content is not None:
        return content.encode("utf-8") if binary else content
    if input_path and input_path != "-":
        if binary:
            with open(input_path, "rb") as fp:
                return fp.read()
        try:
            with open(input_path, encoding="utf-8") as fp:
                return fp.read()
        except UnicodeDecodeError as ex:
            raise click.ClickException(
                f"{input_path} is not UTF-8 text (use --binary for binary files)"
            ) from ex
    with click.open_file("-", "rb") as stream:
        data = stream.read()
    if binary:
        return data
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as ex:
        raise click.ClickException(
            "Standard input is not UTF-8 text (use --binary for binary data)"
        ) from ex


def _parse_metadata(metadata: str | None) -> dict[str, Any] | None:
    """The ``--metadata`` JSON object; anything else is a usage error (exit 2)."""
    if metadata is None:
        return None
    try:
        value = json.loads(metadata)
    except json.JSONDecodeError as ex:
        raise click.BadParameter(
            f"must be valid JSON: {ex}", param_hint="'--metadata'"
        ) from ex
    if not isinstance(value, dict):
        raise click.BadParameter("must be a JSON object", param_hint="'--metadata'")
    return value


def _json_number(value: Any) -> int | float:
    """A vector value as JSON prints it: integers stay integers (numpy's too)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    item = getattr(value, "item", None)  # a numpy scalar's Python value
    if callable(item):
        value = item()
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return value
    return float(value)


def _output_vector(vector: Any, format_: str) -> None:
    from llm.encoding import encode

    if format_ == "json":
        # The values as the model returned them: [5, 2, 3] stays integers.
        click.echo(json.dumps([_json_number(value) for value in vector]))
        return
    blob = encode([float(value) for value in vector])
    if format_ == "blob":
        with click.open_file("-", "wb") as stream:
            stream.write(blob + b"\n")
            stream.flush()
    elif format_ == "base64":
        click.echo(base64.b64encode(blob).decode("ascii"))
    else:
        click.echo(blob.hex())


@click.command()
@click.argument("collection", required=False)
@click.argument("id", required=False)
@input_option(help="File to embed")
@click.option("-m", "--model", help="Embedding model to use")
@click.option("--store", is_flag=True, help="Store the text itself in the database")
@database_option()
@click.option("-c", "--content", help="Content to embed")
@click.option("--binary", is_flag=True, help="Treat input as binary data")
@click.option("--metadata", help="JSON object metadata to store")
@click.option(
    "-f",
    "--format",
    "format_",
    type=click.Choice(["json", "blob", "base64", "hex"]),
    help="Output format",
)
@retry_options(fallback=False)
def embed(
    collection: str | None,
    id: str | None,
    input_path: str | None,
    model: str | None,
    store: bool,
    database: str | None,
    content: str | None,
    binary: bool,
    metadata: str | None,
    format_: str | None,
    retries: int | None,
    timeout: float | None,
) -> None:
    """Embed text and store or return the result"""
    if collection and not id:
        raise click.ClickException("Must provide both a collection and an ID")
    if store and not collection:
        raise click.ClickException("--store needs a collection and an ID to store into")
    if metadata is not None and not collection:
        raise click.ClickException(
            "--metadata needs a collection and an ID to store into"
        )
    metadata_value = _parse_metadata(metadata)
    with command_errors(database), reliability(retries, timeout):
        from llm.registry import get_embedding_model

        value = read_content(content, input_path, binary)
        if not value:
            raise click.ClickException("No content provided to embed")
        if not collection:
            embedding_model = get_embedding_model(require_model_name(model))
            _output_vector(embedding_model.embed(value), format_ or "json")
            return
        assert id is not None  # checked above: a collection needs an ID
        vector_store = open_database(database, create=True)
        assert vector_store is not None
        target = collection_for_writing(vector_store, collection, model)
        target.embed(id, value, metadata=metadata_value, store=store)
        if format_:
            from llm.encoding import decode

            _output_vector(decode(target.stored_embedding(id)), format_)


@click.command()
@click.argument("collection")
@click.argument("id", required=False)
@input_option(help="File to embed for comparison")
@click.option("-c", "--content", help="Content to embed for comparison")
@click.option("--binary", is_flag=True, help="Treat input as binary data")
@click.option(
    "-n",
    "--number",
    type=int,
    default=10,
    callback=positive_integer,
    help="Number of results to return",
)
@click.option("-p", "--plain", is_flag=True, help="Output in plain text format")
@database_option()
@click.option("--prefix", help="Just IDs with this prefix")
def similar(
    collection: str,
    id: str | None,
    input_path: str | None,
    content: str | None,
    binary: bool,
    number: int,
    plain: bool,
    database: str | None,
    prefix: str | None,
) -> None:
    """
    Return top N similar IDs from a collection using cosine similarity.

    Example usage:

    \b
        llm similar my-collection -c "I like cats"

    Or to find content similar to a specific stored ID:

    \b
        llm similar my-collection 1234
    """
    if id is not None and (content is not None or input_path):
        raise click.ClickException(
            "Give either the ID of a stored item or content to compare, not both"
        )
    if id is None and content is None and not input_path:
        raise click.ClickException(
            "Give content to compare (-c or -i) or the ID of a stored item"
        )
    with command_errors(database):
        target = existing_collection(open_database(database, create=False), collection)
        if id is not None:
            results = target.similar_by_id(id, number=number, prefix=prefix)
        else:
            value = read_content(content, input_path, binary)
            if not value:
                raise click.ClickException("No content provided to compare")
            results = target.similar(value, number=number, prefix=prefix)
        for entry in results:
            if plain:
                click.echo(_plain_result(entry))
            else:
                click.echo(
                    json.dumps(
                        {
                            "id": entry.id,
                            "score": entry.score,
                            "content": entry.content,
                            "metadata": entry.metadata,
                        }
                    )
                )


def _plain_result(entry: Any) -> str:
    """``ID (score)``, a blank line, then the stored content and metadata indented."""
    lines = [f"{entry.id} ({entry.score})", ""]
    if entry.content:
        lines.extend("  " + line for line in str(entry.content).splitlines())
    if entry.metadata is not None:
        lines.append("  " + json.dumps(entry.metadata))
    lines.append("")
    return "\n".join(lines)


@click.group(name="embed-models", cls=DefaultGroup, default="list")
def embed_models() -> None:
    """Manage available embedding models"""


@embed_models.command(name="list")
@click.option(
    "-q",
    "--query",
    multiple=True,
    help="Search for embedding models matching these strings",
)
def embed_models_list(query: tuple[str, ...]) -> None:
    """List available embedding models"""
    with command_errors():
        from llm.registry import get_embedding_models_with_aliases

        for entry in get_embedding_models_with_aliases():
            if not all(entry.matches(q) for q in query):
                continue
            line = str(entry.model)
            if entry.aliases:
                line += f" (aliases: {', '.join(entry.aliases)})"
            click.echo(line)


@embed_models.command(name="default")
@click.argument("model", required=False)
@click.option(
    "--remove-default", is_flag=True, help="Reset to specifying no default model"
)
def embed_models_default(model: str | None, remove_default: bool) -> None:
    """Show or set the default embedding model"""
    with command_errors():
        from llm.defaults import (
            get_default_embedding_model,
            set_default_embedding_model,
        )
        from llm.registry import get_embedding_model

        if remove_default:
            if model:
                raise click.ClickException("Give a model or --remove-default, not both")
            set_default_embedding_model(None)
            return
        if model is None:
            # Nothing at all when unset, so `$(llm embed-models default)` is empty.
            default = get_default_embedding_model()
            if default:
                click.echo(default)
            return
        from llm.errors import UnknownModelError

        try:
            chosen = get_embedding_model(model)
        except UnknownModelError:
            # Worded as the original words it: the name is not an embedding model.
            raise click.ClickException(f"Unknown embedding model: {model}") from None
        set_default_embedding_model(chosen.model_id)


@click.group(cls=DefaultGroup, default="list")
def collections() -> None:
    """View and manage collections of embeddings"""


@collections.command(name="list")
@database_option()
@click.option("json_", "--json", is_flag=True, help="Output as JSON")
def collections_list(database: str | None, json_: bool) -> None:
    """View a list of collections, with their sizes"""
    with command_errors(database):
        from llm.utils import human_size

        from .collection import list_collections

        vector_store = open_database(database, create=False)
        rows = list_collections(vector_store) if vector_store is not None else []
        if json_:
            click.echo(json.dumps(rows, indent=4))
            return
        for row in rows:
            count = row["num_embeddings"]
            click.echo(f"{row['name']}: {row['model']}")
            click.echo(
                f"  {count} embedding{'' if count == 1 else 's'}, "
                f"{human_size(row['size_bytes'])}"
            )


@collections.command(name="delete")
@click.argument("collection")
@database_option()
def collections_delete(collection: str, database: str | None) -> None:
    """
    Delete the specified collection

    Example usage:

    \b
        llm collections delete my-collection
    """
    with command_errors(database):
        existing_collection(open_database(database, create=False), collection).delete()


@collections.command(name="copy")
@click.argument("collection")
@click.option(
    "--to",
    "target",
    required=True,
    metavar="PATH_OR_URL",
    help="Store to copy into: a SQLite file or a URL such as postgresql://...",
)
@database_option(help="Store to copy from (default: the default embeddings database)")
@click.option("--name", "new_name", help="Name for the copy (default: the same name)")
@click.option(
    "--batch-size",
    type=int,
    default=1000,
    callback=positive_integer,
    help="Items written per transaction",
)
def collections_copy(
    collection: str,
    target: str,
    database: str | None,
    new_name: str | None,
    batch_size: int,
) -> None:
    """
    Copy a collection to another store without re-embedding it

    Vectors, content hashes, content and metadata are copied as they are.

    Example usage:

    \b
        llm collections copy docs --to postgresql://me@db.internal/vectors
    """
    with command_errors(database):
        from .collection import copy_collection
        from .stores import open_store

        source = open_database(database, create=False)
        existing_collection(source, collection)
        destination = open_store(target)
        context = click.get_current_context()
        context.call_on_close(destination.close)
        copied = copy_collection(
            source, collection, destination, new_name, batch_size=batch_size
        )
        click.echo(
            f"Copied {copied} embedding{'' if copied == 1 else 's'} to "
            f"'{new_name or collection}' in {destination.location}",
            err=True,
        )


@collections.command(name="path")
def collections_path() -> None:
    """Output the path (or URL) of the default embeddings database"""
    from .stores import default_location, mask_location

    click.echo(mask_location(default_location()))


COMMANDS: list[click.Command] = [
    embed,
    embed_multi,
    similar,
    embed_models,
    collections,
]

__all__ = ["COMMANDS", "read_content"]
