"""Commands of the Merkle log (issues #18, #25): `keys init [--origin]`, `checkpoint
[--accept-rollback --reason]`, `prove consistency|inclusion`, `migrate`, and `verify --checkpoint F
--key K` (options added to `verify`, which also compares the log with the office's signed
checkpoints). They register themselves below; the library does the work (``ledger.checkpoints``,
``ledger.signing``, ``ledger.store.proofs``, ``ledger.store.migrate``). Imports only click at
start-up."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from ..errors import CheckFailed, InputError
from ..i18n import Msg, _, f, tr
from . import records
from .base import CommandGroup, LedgerCommand, main, warn

KEY_HELP = ("the office's public key: a PEM file or its verifier key origin+keyid+base64 (default: the .pub beside "
            "LEDGER_KEY); given, every checkpoint checked must carry its valid signature")


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


def warn_unsigned(signed: bool) -> None:
    """``publish`` and ``packet`` without an office key: what they record vouches for nothing."""
    if not signed:

        warn(_("no office key (LEDGER_KEY, default ./ledger-key.pem): the checkpoint made now is UNSIGNED and vouches "
               "for nothing; run `ledger keys init --origin NAME`"))


def _write(path: str, cp: Any) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(cp.serialize())


@click.group("keys", cls=CommandGroup)
def keys() -> None:
    """The office's signing key (Ed25519) for checkpoints."""


@keys.command("init")
@click.option("--origin", metavar="NAME", help="the log's name in its checkpoints, set once (e.g. the office's "
              "domain and /ledger: bgs.example.gov.cn/ledger); default ledger/<key hash>")
def keys_init(origin: str | None) -> None:
    """Create the signing key: LEDGER_KEY (default ./ledger-key.pem, mode 0600, outside the
    store), its public half beside it (ledger-key.pub) and its verifier key (ledger-key.vkey:
    origin+keyid+base64). Never overwrites a key."""
    from .. import checkpoints, signing

    private, public, vkey = checkpoints.init_keys(origin=origin)
    click.echo(f("key {vkey}: private {private} (mode 0600; keep it outside the store and backed up), public {public} "
                 "and {vkey_file} (give them to whoever checks checkpoints); signed checkpoints are kept in {state}",
                 vkey=vkey, private=private, public=public, vkey_file=checkpoints.verifier_path(),
                 state=signing.state_dir()))


def _signature_state(cp: Any) -> str:

    return f("signed by key {key}", key=cp.signer()) if cp.signed else f(
        "UNSIGNED (no key: run `ledger keys init`)")


@click.command("checkpoint", cls=LedgerCommand)
@click.option("--output", metavar="FILE", help="where to write it (default checkpoint-SIZE.txt)")
@click.option("--publication", "pub_id", metavar="ID", help="the checkpoint recorded with this publication")
@click.option("--accept-rollback", "accept_rollback", is_flag=True,
              help="after an honest restore from a backup: sign the log although it does not extend the office's "
                   "last signed checkpoint, recording the range lost (needs --reason)")
@click.option("--reason", metavar="R", help="why the log is shorter (recorded in the ledger with the range lost)")
@click.pass_obj
def checkpoint(c: Any, output: str | None, pub_id: str | None, accept_rollback: bool, reason: str | None) -> None:
    """Write a checkpoint of the log (a C2SP signed note: size, Merkle root, stream-heads root,
    chain hash, time), signed with the office's key (LEDGER_KEY) once the log is proven to
    extend the office's last signed checkpoint — unsigned, and said so, when there is no key."""
    from .. import checkpoints, signing

    if reason is not None and not accept_rollback:
        raise InputError("--reason only with --accept-rollback", field="--reason")
    if accept_rollback:
        from ..workflows.rollback import accept_rollback as accept

        if pub_id is not None:
            raise InputError("--accept-rollback without --publication", field="--publication")
        done = accept(c.ledger, reason or "")
        cp = done.checkpoint
        path = output or f"checkpoint-{cp.size}.txt"
        _write(path, cp)
        click.echo(f("wrote {path}: size {size}, {state}; rollback accepted and recorded as {record} (revision "
                     "{revision}): revisions {lost} of the log the office had signed are not provably in this one",
                     path=path, size=cp.size, state=_signature_state(cp), record=done.record,
                     revision=done.revision, lost=cp.rollback.lost if cp.rollback else "?"))
        return
    if pub_id is not None:
        stored = {name: body for name, _at, body in c.ledger.store.recorded_checkpoints()}
        if pub_id not in stored:
            raise InputError(Msg("a publication with a recorded checkpoint (known: {value})",
                                 value=', '.join(stored) or 'none'),
                             field="--publication", got=repr(pub_id))
        cp = checkpoints.Checkpoint.parse(stored[pub_id], f"publication {pub_id}")
        path = output or f"checkpoint-{cp.size}.{'txt' if cp.is_note else 'json'}"
        _write(path, cp)
    else:
        with signing.signing(c.ledger.store) as signer:
            cp = signer.make(c.ledger.store.tree_head(), "checkpoint")
            path = output or f"checkpoint-{cp.size}.txt"
            _write(path, cp)
    click.echo(f("wrote {path}: size {size}, root {root}, stream heads {heads} ({streams} streams), {state}",
                 path=path, size=cp.size, root=cp.root, heads=cp.stream_heads_root, streams=cp.streams,
                 state=_signature_state(cp)))


def _checked(c: Any, files: tuple[str, ...], key: str | None, sizes: dict[int, Any]) -> list[str]:
    """Each checkpoint file against the log's recomputed tree heads (``sizes``) and its
    signature (required when ``--key`` was given); the lines to print. Raises CheckFailed at
    the first that fails."""
    from .. import checkpoints

    public = _public_key(key)
    lines = []
    for path in files:
        cp = checkpoints.Checkpoint.read(path)
        checkpoints.check_against(cp, sizes.get(cp.size), c.ledger.last_verify.revision, path)
        signature = checkpoints.check_signature(cp, public, path, required=key is not None)
        behind = c.ledger.last_verify.revision - cp.size
        lines.append(f("checkpoint {path}: matches the log at size {size} (root {root}…), {signature}", path=path,
                       size=cp.size, root=cp.root[:16], signature=tr(signature))
                     + (f("; {n} record(s) appended since", n=behind) if behind else _("; the whole log")))
    return lines


def _recorded(c: Any, public: Any, sizes: dict[int, Any]) -> str | None:
    """The checkpoints recorded with publications, each against the log and its signature; the
    line to print (None when there are none)."""
    from .. import checkpoints

    recorded = c.ledger.store.recorded_checkpoints()
    unsigned = 0
    for name, _at, body in recorded:
        cp = checkpoints.Checkpoint.parse(body, Msg("the checkpoint of publication {name}", name=name))
        label = Msg("publication {name}'s checkpoint", name=name)
        checkpoints.check_against(cp, sizes.get(cp.size), c.ledger.last_verify.revision, label)
        if cp.signed and public is None:
            continue  # reported below
        checkpoints.check_signature(cp, public, label)
        unsigned += not cp.signed
    if not recorded:
        return None
    return (f("publication checkpoints: {n} match the log", n=len(recorded))
            + (f(", {n} of them UNSIGNED", n=unsigned) if unsigned else "")
            + ("" if public is not None else _(" (signatures not checked: no public key)")))


def extend_verify(command: click.Command) -> None:
    """Add ``--checkpoint FILE`` (repeatable) and ``--key FILE.pub`` to ``verify``: the log is
    verified (chain, indexes, Merkle tree) and the tree heads at the checkpoints' sizes are
    recomputed in the same pass; then each checkpoint is checked against them and its signature
    checked. The checkpoints the ledger recorded with publications are checked too, and the
    log against the office's signed checkpoints kept outside the store (``ledger.signing``)."""
    original = command.callback
    assert original is not None
    command.params.append(click.Option(["--checkpoint", "checkpoint_files"], multiple=True, metavar="FILE",
                                       help="a checkpoint file the log must match (exit 1 if not)"))
    command.params.append(click.Option(["--key", "key"], metavar="FILE.pub", help=KEY_HELP))
    command.params.append(click.Option(["--since", "since"], metavar="FILE",
                                       help="re-hash only what was appended after this checkpoint and prove the log "
                                            "extends it (--checkpoint is the full check)"))

    @click.pass_context
    def callback(ctx: click.Context, checkpoint_files: tuple[str, ...], key: str | None, since: str | None,
                 **kwargs: Any) -> None:
        from .. import checkpoints, signing
        from ..workflows.rollback import rollback_lines

        c = ctx.obj
        if since is not None:
            _verify_since(c, since, key, checkpoint_files, kwargs.get("anchors", ()))
            return
        files = [checkpoints.Checkpoint.read(path) for path in checkpoint_files]  # bad files: exit 2 first
        public = _public_key(key)
        state = signing.OfficeState(signing.state_dir())
        last = state.last()
        c.ledger.verify_at = {cp.size for cp in files} | ({last.size} if last else set())
        ctx.invoke(original, **kwargs)  # exits 1 when the log does not verify
        result = c.ledger.last_verify
        if result.tree is not None:
            click.echo(f("merkle: size {size} root {root}; stream heads root {heads} ({streams} streams)",
                         size=result.tree.size, root=result.tree.root, heads=result.tree.heads_root,
                         streams=result.tree.streams))
        sizes = dict(result.at)
        try:
            for line in _checked(c, checkpoint_files, key, sizes):
                click.echo(line)
            recorded = _recorded(c, public, sizes)
            if recorded:
                click.echo(recorded)
            for line in signing.office_lines(c.ledger.store, state, result):
                click.echo(line)
        except CheckFailed as exc:
            from .base import error_text

            click.echo(f("TAMPERED: {problem}", problem=error_text(exc)), err=True)
            sys.exit(1)
        for line in rollback_lines(c.ledger):
            click.echo(line)

    command.callback = callback


def _verify_since(c: Any, path: str, key: str | None, checkpoint_files: tuple[str, ...], anchors: Any) -> None:
    """`verify --since F`: F read and its signature checked (required with --key); the records
    after its size re-hashed and the log proven to extend it (``Ledger.verify_since``); the store
    compared with the office's last signed checkpoint as every signing path does (a consistency
    proof over the stored tree)."""
    from .. import checkpoints, signing
    from ..i18n import f
    from .base import Progress, error_text

    if checkpoint_files or anchors:
        raise InputError("--since alone: --checkpoint and --expect are the full check's", field="--since",
                         problem=True)
    cp = checkpoints.Checkpoint.read(path)  # a bad file: exit 2
    signature = checkpoints.check_signature(cp, _public_key(key), path, required=key is not None)
    progress = Progress("verifying")
    try:
        result = c.ledger.verify_since(cp, progress.advance)
    finally:
        progress.close()
    if not result.ok:
        click.echo(f("TAMPERED: {problem}", problem=tr(result.problem)), err=True)
        if result.evidence is not None and result.evidence.bad_file is not None:
            click.echo(f("first bad evidence file: {file} (all {records} records intact)",
                         file=result.evidence.bad_file, records=result.records))
        elif result.bad_revision is not None:
            click.echo(f("first bad revision: {revision}", revision=result.bad_revision))
        else:
            click.echo(f("first bad record: none (the records checked are intact; an index table, the head or the "
                         "tree before the checkpoint was altered)"))
        sys.exit(1)
    click.echo(f("ok: the log extends checkpoint {path} (size {size}, {signature}): the {count} record(s) appended "
                 "since re-hashed; head revision {revision} {hash}", path=path, size=cp.size, signature=tr(signature),
                 count=result.records, revision=result.revision, hash=result.hash))
    if result.tree is not None:
        click.echo(f("merkle: size {size} root {root}; stream heads root {heads} ({streams} streams)",
                     size=result.tree.size, root=result.tree.root, heads=result.tree.heads_root,
                     streams=result.tree.streams))
    if result.evidence is not None:
        click.echo(f("evidence: {files} files, {bytes} bytes; those attached since the checkpoint re-hashed",
                     files=result.evidence.files, bytes=result.evidence.bytes))
    state = signing.OfficeState(signing.state_dir())
    finding = signing.compare(c.ledger.store, state)
    if finding is not None and not finding.extends:
        click.echo(f("TAMPERED: {problem}", problem=error_text(CheckFailed(finding.problem()))), err=True)
        sys.exit(1)
    if finding is not None:
        click.echo(f("office's last signed checkpoint ({path}: {size} records, {time}): the log extends it ({since} "
                     "record(s) since)", path=finding.where, size=finding.last.size, time=finding.last.time,
                     since=finding.size - finding.last.size))


@click.group("prove", cls=CommandGroup)
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
    signatures = [checkpoints.check_signature(cp, public, path, required=key is not None)
                  for cp, path in ((a, old_file), (b, new_file))]
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
    _leaves, proof, old_root, new_root = proofs.consistency_proof(c.ledger.store, a.size, b.size)
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
    click.echo(f("ok: {new_file} (size {size}) extends {old_file} (size {size_2}); A {signed}; B {signed_2}",
                 new_file=new_file, size=b.size, old_file=old_file, size_2=a.size, signed=tr(signatures[0]),
                 signed_2=tr(signatures[1])), err=True)


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
        note = checkpoints.check_signature(cp, _public_key(key), checkpoint_file, required=key is not None)
        size = cp.size
    proof = proofs.inclusion_proof(c.ledger.store, found[event_id].revision, size)
    click.echo(json.dumps({"id": event_id, **proof.to_dict()}, indent=2))
    if checkpoint_file and proof.root.hex() != cp.root:
        raise CheckFailed(Msg("the log's root at size {size} is not {checkpoint_file}'s (history rewritten since)",
                              size=cp.size, checkpoint_file=checkpoint_file))
    if not merkle.verify_inclusion(proof.revision - 1, proof.size, proof.leaf, proof.path, proof.root):
        raise CheckFailed("the inclusion proof does not verify (the tree table is damaged: run `ledger verify`)")
    click.echo(f("ok: revision {revision} is leaf {leaf} of the tree of {size}", revision=proof.revision,
                 leaf=proof.revision - 1, size=proof.size)
               + (f("; checkpoint {signed}", signed=tr(note)) if note else ""), err=True)


@click.command("migrate", cls=LedgerCommand)
@click.pass_obj
def migrate(c: Any) -> None:
    """Upgrade the store's format in place, in one transaction (all or nothing): the chain is
    verified before and after, records stay byte for byte the same, the Merkle tree is built."""
    from ..store.migrate import migrate as run

    result = run(c.ledger.store.backend)
    if not result.changed:
        click.echo(f("store is already format {format}: nothing to do (head revision {revision})",
                     format=result.to_format, revision=result.records))
        return
    built = (f("digest index of {n} entries, ", n=result.digests) if result.from_format in ("2", "3") else "")
    click.echo(f("migrated format {old} → {new}: {records} records unchanged (chain {chain}…), Merkle tree of {nodes} "
                 "nodes, root {root}, {built}evidence table added, in {seconds} s", old=result.from_format,
                 new=result.to_format, records=result.records, chain=result.chain_hash[:16], nodes=result.nodes,
                 root=result.tree_root, built=built, seconds=f"{result.seconds:.2f}"))


COMMANDS = [keys, checkpoint, prove, migrate]
for _command in COMMANDS:
    main.add_command(_command)
extend_verify(records.verify)
