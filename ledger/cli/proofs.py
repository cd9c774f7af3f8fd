"""Commands of the Merkle log (issue #18): `keys init`, `checkpoint`, `prove consistency|inclusion`,
`migrate`, and `verify --checkpoint F` (options added to `verify`). They register themselves
below; the library does the work (``ledger.checkpoints``,
``ledger.store.proofs``, ``ledger.store.migrate``). Imports only click at start-up."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from ..errors import CheckFailed, InputError
from ..i18n import Msg
from . import records
from .base import main

KEY_HELP = "the office's public key (default: the .pub beside LEDGER_KEY, ./ledger-key.pub)"


def _public_key(key: str | None) -> Any | None:
    """The public key to check signatures with: ``--key`` or the one beside the private key
    (None when neither exists)."""
    from pathlib import Path

    from .. import checkpoints

    path = Path(key) if key else checkpoints.key_paths()[1]
    if not path.exists():
        if key:
            raise InputError("an existing public key file", field="--key", got=repr(key))
        return None
    return checkpoints.load_public(path)


@click.group("keys")
def keys() -> None:
    """The office's signing key (Ed25519) for checkpoints."""


@keys.command("init")
def keys_init() -> None:
    """Create the signing key: LEDGER_KEY (default ./ledger-key.pem, mode 0600, outside the
    store) and its public half beside it (ledger-key.pub). Never overwrites a key."""
    from .. import checkpoints

    private, public, kid = checkpoints.init_keys()
    click.echo(f"key {kid}: private {private} (mode 0600; keep it outside the store and backed up), "
               f"public {public} (give it to whoever checks checkpoints)")


@click.command("checkpoint")
@click.option("--output", metavar="FILE", help="where to write it (default checkpoint-SIZE.json)")
@click.option("--publication", "pub_id", metavar="ID", help="the checkpoint recorded with this publication")
@click.pass_obj
def checkpoint(c: Any, output: str | None, pub_id: str | None) -> None:
    """Write a checkpoint of the log (size, Merkle root, stream-heads root, time), signed with
    the office's key (LEDGER_KEY) — unsigned, and said so, when there is none."""
    from .. import checkpoints

    if pub_id is not None:
        stored = {name: body for name, _, body in c.ledger.store.recorded_checkpoints()}
        if pub_id not in stored:
            raise InputError(Msg("a publication with a recorded checkpoint (known: {value})",
                                 value=', '.join(stored) or 'none'),
                             field="--publication", got=repr(pub_id))
        cp = checkpoints.Checkpoint.from_json(stored[pub_id], f"publication {pub_id}")
    else:
        private = checkpoints.load_private()
        cp = checkpoints.make(c.ledger.store.tree_head(), private, c.ledger.store.clock())
    path = output or f"checkpoint-{cp.size}.json"
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(cp.to_json())
    state = f"signed by key {cp.key_id}" if cp.signed else "UNSIGNED (no key: run `ledger keys init`)"
    click.echo(f"wrote {path}: size {cp.size}, root {cp.root}, stream heads {cp.stream_heads_root} "
               f"({cp.streams} streams), {state}")


def _checked(c: Any, files: tuple[str, ...], key: str | None, sizes: dict[int, Any]) -> list[str]:
    """Each checkpoint file against the log's recomputed tree heads (``sizes``) and its
    signature; the lines to print. Raises CheckFailed at the first that fails."""
    from .. import checkpoints

    public = _public_key(key)
    lines = []
    for path in files:
        cp = checkpoints.Checkpoint.read(path)
        checkpoints.check_against(cp, sizes.get(cp.size), c.ledger.last_verify.revision, path)
        signature = checkpoints.check_signature(cp, public, path)
        behind = c.ledger.last_verify.revision - cp.size
        lines.append(f"checkpoint {path}: matches the log at size {cp.size} (root {cp.root[:16]}…), {signature}"
                     + (f"; {behind} record(s) appended since" if behind else "; the whole log"))
    return lines


def extend_verify(command: click.Command) -> None:
    """Add ``--checkpoint FILE`` (repeatable) and ``--key FILE.pub`` to ``verify``: the log is
    verified (chain, indexes, Merkle tree) and the tree heads at the checkpoints' sizes are
    recomputed in the same pass; then each checkpoint is checked against them and its signature
    checked. The checkpoints the ledger recorded with publications are checked too."""
    original = command.callback
    assert original is not None
    command.params.append(click.Option(["--checkpoint", "checkpoint_files"], multiple=True, metavar="FILE",
                                       help="a checkpoint file the log must match (exit 1 if not)"))
    command.params.append(click.Option(["--key", "key"], metavar="FILE.pub", help=KEY_HELP))

    @click.pass_context
    def callback(ctx: click.Context, checkpoint_files: tuple[str, ...], key: str | None, **kwargs: Any) -> None:
        from .. import checkpoints

        c = ctx.obj
        files = [checkpoints.Checkpoint.read(path) for path in checkpoint_files]  # bad files: exit 2 first
        c.ledger.verify_at = {cp.size for cp in files}
        ctx.invoke(original, **kwargs)  # exits 1 when the log does not verify
        result = c.ledger.last_verify
        if result.tree is not None:
            click.echo(f"merkle: size {result.tree.size} root {result.tree.root}; stream heads root "
                       f"{result.tree.heads_root} ({result.tree.streams} streams)")
        sizes = dict(result.at)
        try:
            for line in _checked(c, checkpoint_files, key, sizes):
                click.echo(line)
            public = _public_key(key)
            recorded = c.ledger.store.recorded_checkpoints()
            unsigned = 0
            for name, _, body in recorded:
                cp = checkpoints.Checkpoint.from_json(body, f"the checkpoint of publication {name}")
                checkpoints.check_against(cp, sizes.get(cp.size), result.revision, f"publication {name}'s checkpoint")
                if cp.signed and public is None:
                    continue  # reported below
                checkpoints.check_signature(cp, public, f"publication {name}'s checkpoint")
                unsigned += not cp.signed
        except CheckFailed as exc:
            click.echo(f"TAMPERED: {exc}", err=True)
            sys.exit(1)
        if recorded:
            click.echo(f"publication checkpoints: {len(recorded)} match the log"
                       + (f", {unsigned} of them UNSIGNED" if unsigned else "")
                       + ("" if public is not None else " (signatures not checked: no public key)"))

    command.callback = callback


@click.group("prove")
def prove() -> None:
    """Proofs over the Merkle log (RFC 6962) that others can check with hashes alone."""


@prove.command("consistency")
@click.argument("old_file", metavar="A")
@click.argument("new_file", metavar="B")
@click.option("--key", metavar="FILE.pub", help=KEY_HELP)
@click.pass_obj
def prove_consistency(c: Any, old_file: str, new_file: str, key: str | None) -> None:
    """Prove that checkpoint B's log extends checkpoint A's (nothing in A's log was changed,
    removed or reordered): prints the RFC 6962 consistency proof and checks it against both
    checkpoints' roots; exit 1 when it does not hold."""
    from .. import checkpoints
    from ..store import merkle, proofs

    a, b = checkpoints.Checkpoint.read(old_file), checkpoints.Checkpoint.read(new_file)
    public = _public_key(key)
    signatures = [checkpoints.check_signature(cp, public, path) for cp, path in ((a, old_file), (b, new_file))]
    if b.size < a.size or (b.size == a.size and b.time < a.time):
        raise CheckFailed(Msg("{new_file} (size {size}, {time}) is older than {old_file} (size {size_2}, {time_2}):"
                              " give the older checkpoint first",
                              new_file=new_file, size=b.size, time=b.time, old_file=old_file, size_2=a.size,
                              time_2=a.time))
    head = c.ledger.store.tree_head()
    if b.size > head.size:
        raise CheckFailed(Msg("{new_file} is of {size} records but the log has {size_2} (records removed, or a"
                              " checkpoint of another log)",
                              new_file=new_file, size=b.size, size_2=head.size))
    _, proof, old_root, new_root = proofs.consistency_proof(c.ledger.store, a.size, b.size)
    click.echo(json.dumps({"old_size": a.size, "new_size": b.size, "old_root": a.root, "new_root": b.root,
                           "proof": [p.hex() for p in proof]}, indent=2))
    if new_root.hex() != b.root:
        raise CheckFailed(Msg("the log's root at size {size} is {new_root}…, {new_file} says {root}… (history"
                              " rewritten since, or a checkpoint of another log)",
                              size=b.size, new_root=new_root.hex()[:16], new_file=new_file, root=b.root[:16]))
    if not merkle.verify_consistency(a.size, b.size, bytes.fromhex(a.root), bytes.fromhex(b.root), proof):
        raise CheckFailed(Msg("{new_file}'s log does not extend {old_file}'s: the records up to size {size} were"
                              " changed since A was made (the log's root there is {old_root}…, A says {root}…)",
                              new_file=new_file, old_file=old_file, size=a.size, old_root=old_root.hex()[:16],
                              root=a.root[:16]))
    click.echo(f"ok: {new_file} (size {b.size}) extends {old_file} (size {a.size}); A {signatures[0]}; "
               f"B {signatures[1]}", err=True)


@prove.command("inclusion")
@click.argument("event_id", metavar="ID")
@click.option("--checkpoint", "checkpoint_file", metavar="FILE", help="prove it against this checkpoint's tree")
@click.option("--key", metavar="FILE.pub", help=KEY_HELP)
@click.pass_obj
def prove_inclusion(c: Any, event_id: str, checkpoint_file: str | None, key: str | None) -> None:
    """Prove that an event's record is in the log (the whole log, or a checkpoint's): prints the
    record's leaf, its audit path and the root."""
    from .. import checkpoints
    from ..store import merkle, proofs

    found = c.ledger.store.lookup_ids([event_id])
    if event_id not in found:
        raise InputError("an event id in the ledger", field="event_id", got=repr(event_id))
    size, note = None, ""
    if checkpoint_file:
        cp = checkpoints.Checkpoint.read(checkpoint_file)
        note = checkpoints.check_signature(cp, _public_key(key), checkpoint_file)
        size = cp.size
    proof = proofs.inclusion_proof(c.ledger.store, found[event_id].revision, size)
    click.echo(json.dumps({"id": event_id, **proof.to_dict()}, indent=2))
    if checkpoint_file and proof.root.hex() != cp.root:
        raise CheckFailed(Msg("the log's root at size {size} is not {checkpoint_file}'s (history rewritten since)",
                              size=cp.size, checkpoint_file=checkpoint_file))
    if not merkle.verify_inclusion(proof.revision - 1, proof.size, proof.leaf, proof.path, proof.root):
        raise CheckFailed("the inclusion proof does not verify (the tree table is damaged: run `ledger verify`)")
    click.echo(f"ok: revision {proof.revision} is leaf {proof.revision - 1} of the tree of {proof.size}"
               + (f"; checkpoint {note}" if note else ""), err=True)


@click.command("migrate")
@click.pass_obj
def migrate(c: Any) -> None:
    """Upgrade the store's format in place, in one transaction (all or nothing): the chain is
    verified before and after, records stay byte for byte the same, the Merkle tree is built."""
    from ..store.migrate import migrate as run

    result = run(c.ledger.store.backend)
    if not result.changed:
        click.echo(f"store is already format {result.to_format}: nothing to do (head revision {result.records})")
        return
    click.echo(f"migrated format {result.from_format} → {result.to_format}: {result.records} records unchanged "
               f"(chain {result.chain_hash[:16]}…), Merkle tree of {result.nodes} nodes, root {result.tree_root}, "
               f"digest index of {result.digests} entries, in {result.seconds:.2f} s")


COMMANDS = [keys, checkpoint, prove, migrate]
for _command in COMMANDS:
    main.add_command(_command)
extend_verify(records.verify)
