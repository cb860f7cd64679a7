// `source: archive`: a local build (made earlier in the workflow, or an artifact) validated
// like a release before anyone publishes it. Its sha256 is pinned by `archive-sha256` or a
// checksums.txt beside it; a cosign bundle or an .asc beside it is verified when present;
// what it is (variant, version, libc, arch) is read from the archive itself.
import * as core from '@actions/core'
import { glob, readFile } from 'node:fs/promises'
import path from 'node:path'
import { glibcFits, glibcVersion } from '../host/libc.js'
import { parseVersionSpec } from '../inputs.js'
import { acquire } from '../install/acquire.js'
import { resolveLayout } from '../install/layout.js'
import { localOrigin } from '../install/local-origin.js'
import { firstPath } from '../install/tar-stream.js'
import type { Recipe } from '../install/types.js'
import type { Clock } from '../ports/timings.js'
import type { Http, Run, ToolCache } from '../ports/types.js'
import { type Arch, CHECKSUMS } from '../release/assets.js'
import { parseChecksums, VerifyError } from '../verify/checksums.js'
import type { PinnedKey } from '../verify/pgp-key.js'
import { checkSignature, type SignatureMode } from '../verify/release-signature.js'
import { type ArchiveIdentity, ArchiveIdentityError, identify, nameMismatches } from './archive-identity.js'
import type { Installation, InstallResult, Source, SourceContext } from './types.js'

const ARCHIVE_TOOL = 'podman-archive'

interface ArchiveRequest {
  /** the `archive` input: a path or a glob, relative to the workspace */
  pattern: string
  /** the `archive-sha256` input; empty: checksums.txt beside the archive */
  sha256: string
  cwd: string
  arch: Arch
  temp: string
  verifySignature: SignatureMode
  signerIdentity: RegExp
  signerIssuer: string
  trustedRoot?: unknown
  /** for an .asc: the pinned key and where to fetch it (source-key-fingerprint, api-url, repository owner) */
  fingerprint: string
  apiUrl: string
  owner: string
  toolCache: string
  /** the step's phase clock */
  clock?: Pick<Clock, 'time'>
}

/** Exactly one file: several matches would make "the archive validated" ambiguous. */
export async function findArchive(pattern: string, cwd: string): Promise<string> {
  const found: string[] = []
  for await (const f of glob(pattern, { cwd })) found.push(path.resolve(cwd, f))
  const files = found.filter((f) => /\.tar\.(zst|gz)$|\.tgz$/.test(f)).sort()
  if (files.length === 1) return files[0]
  const what = files.length ? `${files.length} archives (${files.join(', ')})` : `no .tar.zst or .tar.gz file`
  throw new VerifyError(`archive: '${pattern}' matches ${what} in ${cwd}; it must name exactly one.`)
}

interface Pinned {
  sha256: string
  /** 'archive-sha256', or the path of the checksums.txt that pins it */
  from: string
}

/** The pinned sha256: the input, else the archive's line in checksums.txt beside it. */
async function pinnedSha(file: string, given: string): Promise<Pinned> {
  if (given) return { sha256: given.toLowerCase(), from: 'archive-sha256' }
  const sums = path.join(path.dirname(file), CHECKSUMS)
  const text = await readFile(sums, 'utf8').catch(() => undefined)
  const sha = text === undefined ? undefined : parseChecksums(text).get(path.basename(file))
  if (!sha) {
    const none = text === undefined ? '' : ` (${sums} has none)`
    throw new VerifyError(
      `${path.basename(file)}: no sha256 to check it against: set archive-sha256, ` +
        `or put a ${CHECKSUMS} with its line beside it${none}.`,
    )
  }
  return { sha256: sha, from: sums }
}

type Proof = { kind: 'bundle'; bundle: string; signs: string } | { kind: 'asc'; asc: string } | { kind: 'none' }

/** Which signature beside the archive proves it: its bundle, the checksums' bundle, its .asc, or none. */
function proofBeside(has: (n: string) => boolean, name: string, shaFrom: string, req: ArchiveRequest): Proof {
  if (req.verifySignature === 'false') return { kind: 'none' }
  if (has(`${name}.bundle`)) return { kind: 'bundle', bundle: `${name}.bundle`, signs: name }
  if (shaFrom !== 'archive-sha256' && has(`${CHECKSUMS}.bundle`))
    return { kind: 'bundle', bundle: `${CHECKSUMS}.bundle`, signs: CHECKSUMS }
  if (has(`${name}.asc`)) return { kind: 'asc', asc: `${name}.asc` }
  const none = `no ${name}.bundle, ${CHECKSUMS}.bundle or ${name}.asc beside it`
  if (req.verifySignature === 'true') throw new VerifyError(`verify-signature is true but the archive has ${none}.`)
  core.info(`The archive is not signed (${none}): checked against its pinned sha256 only.`)
  return { kind: 'none' }
}

const sideFiles = (proof: Proof, shaFrom: string): string[] => {
  const sums = shaFrom === 'archive-sha256' ? [] : [CHECKSUMS]
  if (proof.kind === 'bundle') return [...new Set([...sums, proof.bundle])]
  return proof.kind === 'asc' ? [...sums, proof.asc] : sums
}

/**
 * The archive as a recipe for the shared pipeline. The pinned sha256 is checked against the
 * copy the pipeline made (and, from checksums.txt, against the copy of that file the bundle
 * covers); the top directory is read from the verified copy, for the unpack and audit.
 */
function archiveRecipe(http: Http, req: ArchiveRequest, name: string, pinned: Pinned): Recipe<PinnedKey | undefined> {
  let top: string | undefined
  return {
    tool: ARCHIVE_TOOL,
    arch: req.arch,
    asset: () => name,
    // set by check(), which runs before anything is unpacked
    top: () => top ?? name,
    verifiedDefault: 'sha256',
    verify(resolved) {
      const proof = proofBeside((n) => resolved.files.some((f) => f.name === n), name, pinned.from, req)
      return {
        files: sideFiles(proof, pinned.from),
        // a signature beside it is verified or the check throws (no Actions cache tier uses this)
        signed: proof.kind !== 'none',
        // OpenPGP (~0.15 s of CPU to load) only when an .asc is to be checked, as mgoltzsche does.
        prepare:
          proof.kind === 'asc'
            ? async (signal) => (await import('../verify/pgp-key.js')).pinnedKey(http, req, signal)
            : undefined,
        async check(d, key) {
          await matchesPin(d.archive.sha256, d.files[CHECKSUMS], name, pinned)
          const signature = await checkProof(proof, d.archive.path, d.files, key, req)
          top = topDir(await firstPath(d.archive.path))
          const from = pinned.from === 'archive-sha256' ? pinned.from : CHECKSUMS
          const checks = [...signature.checks, `sha256 ${d.archive.sha256} (${from})`]
          return { verified: [...signature.verified, 'sha256'].join('+'), checks }
        },
      }
    },
  }
}

/** The copy's sha256 is the pinned one; from checksums.txt, also the line of the copy a bundle covers. */
async function matchesPin(actual: string, sums: string | undefined, name: string, pinned: Pinned) {
  const fromCopy = sums === undefined ? pinned.sha256 : parseChecksums(await readFile(sums, 'utf8')).get(name)
  if (actual !== pinned.sha256 || fromCopy !== pinned.sha256)
    throw new VerifyError(
      `${name}: sha256 mismatch: the file has ${actual}, ${pinned.from} says ${fromCopy ?? pinned.sha256}.`,
    )
}

async function checkProof(
  proof: Proof,
  archive: string,
  files: Record<string, string>,
  key: PinnedKey | undefined,
  req: ArchiveRequest,
): Promise<{ verified: string[]; checks: string[] }> {
  if (proof.kind === 'bundle') {
    const policy = { identity: req.signerIdentity, issuer: req.signerIssuer }
    const signedFile = proof.signs === CHECKSUMS ? files[CHECKSUMS] : archive
    const outcome = await checkSignature(req.verifySignature, files[proof.bundle], signedFile, policy, req.trustedRoot)
    const signer = outcome.result?.signer
    return { verified: ['signature'], checks: [`signature (${proof.signs}, ${signer})`] }
  }
  if (proof.kind === 'asc' && key) {
    const { verifyDetached } = await import('../verify/openpgp.js')
    const pgp = await verifyDetached(archive, files[proof.asc], key.key, req.fingerprint)
    return { verified: ['openpgp-signature'], checks: [`openpgp signature by ${pgp.signingKey}`] }
  }
  return { verified: [], checks: [] }
}

interface ArchiveInstall {
  result: InstallResult
  identity: ArchiveIdentity
}

async function installArchive(http: Http, run: Run, tc: ToolCache, req: ArchiveRequest): Promise<ArchiveInstall> {
  const file = await findArchive(req.pattern, req.cwd)
  const name = path.basename(file)
  const pinned = await pinnedSha(file, req.sha256)
  const recipe = archiveRecipe(http, req, name, pinned)
  const origin = localOrigin(file, entryVersion(pinned.sha256))
  // Not the Actions cache: a local build is made in the workflow, not fetched from anywhere.
  const spec = parseVersionSpec('latest')
  const result = await acquire(recipe, origin, { spec, checkLatest: false, temp: req.temp, tc, clock: req.clock })
  const identity = await identify(result.root, run, req.arch)
  const wrong = nameMismatches(name, identity)
  if (wrong.length) throw new ArchiveIdentityError(`${name}: ${wrong.join('; ')}.`)
  return { result: { ...result, version: identity.version, asset: name }, identity }
}

/** The tool-cache entry of these bytes: tool-cache's find() looks up semver-named entries only. */
const entryVersion = (sha256: string): string => `0.0.0-sha256-${sha256.slice(0, 16)}`

/** The one top-level directory every entry sits under: the first entry's (the audit refuses any other). */
function topDir(first: string | undefined): string {
  if (!first) throw new ArchiveIdentityError('The archive is empty.')
  return first.split('/')[0]
}

export const archive: Source = {
  async install(s: SourceContext): Promise<Installation> {
    const { inputs, ctx, deps } = s
    const { result, identity } = await installArchive(s.http, deps.run, deps.tc, {
      ...inputs,
      pattern: inputs.archive,
      sha256: inputs.archiveSha256,
      cwd: s.env.GITHUB_WORKSPACE || process.cwd(),
      arch: ctx.arch,
      temp: ctx.temp,
      toolCache: ctx.toolCache,
      trustedRoot: s.trustedRoot,
      fingerprint: inputs.sourceKeyFingerprint,
      clock: deps.clock,
    })
    const { variant, libc, version } = identity
    if (libc === 'glibc') {
      const fit = glibcFits(identity.floor, await glibcVersion(deps.run))
      if (!fit.ok)
        throw new ArchiveIdentityError(`${result.asset}: the glibc build cannot run on this host: ${fit.reason}.`)
    }
    core.info(`${result.asset}: podman ${version}, ${variant}, ${libc}, ${identity.arch} (read from the archive)`)
    const installed = resolveLayout(result.root, identity.layout)
    // No release beside it to complete from: the gate fails on what the host lacks.
    return { result, installed, variant, libc, gateVariant: variant, exportPath: true, cacheSaves: [] }
  },
}
