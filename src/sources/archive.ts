// `source: archive`: a local build (made earlier in the workflow, or an artifact) validated
// like a release before anyone publishes it. Its sha256 is pinned by `archive-sha256` or a
// checksums.txt beside it; a cosign bundle or an .asc beside it is verified when present;
// what it is (variant, version, libc, arch) is read from the archive itself.
import * as core from '@actions/core'
import { access, constants, glob, readFile } from 'node:fs/promises'
import path from 'node:path'
import { CHECKSUMS } from '../release/assets.js'
import { hashFile } from '../install/restored.js'
import { extractAuditCache } from '../install/extract.js'
import { listArchive } from '../install/tar-stream.js'
import type { Http, Run } from '../ports/types.js'
import type { Arch } from '../release/assets.js'
import { parseChecksums, VerifyError } from '../verify/checksums.js'
import { verifyDetached } from '../verify/openpgp.js'
import { pinnedKey } from '../verify/pgp-key.js'
import { checkSignature, type SignatureMode } from '../verify/release-signature.js'
import { glibcFits, glibcVersion } from '../host/libc.js'
import { resolveLayout } from '../install/layout.js'
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
}

const exists = (p: string) =>
  access(p, constants.R_OK).then(
    () => true,
    () => false,
  )

/** Exactly one file: several matches would make "the archive validated" ambiguous. */
export async function findArchive(pattern: string, cwd: string): Promise<string> {
  const found: string[] = []
  for await (const f of glob(pattern, { cwd })) found.push(path.resolve(cwd, f))
  const files = found.filter((f) => /\.tar\.(zst|gz)$|\.tgz$/.test(f)).sort()
  if (files.length === 1) return files[0]
  const what = files.length ? `${files.length} archives (${files.join(', ')})` : `no .tar.zst or .tar.gz file`
  throw new VerifyError(`archive: '${pattern}' matches ${what} in ${cwd}; it must name exactly one.`)
}

/** The pinned sha256: the input, else the archive's line in checksums.txt beside it. */
async function pinnedSha(file: string, given: string): Promise<{ sha256: string; from: string }> {
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

/** A bundle or .asc beside the archive (or a bundle of checksums.txt), verified when present. */
async function signatureBeside(http: Http, file: string, shaFrom: string, req: ArchiveRequest): Promise<string[]> {
  if (req.verifySignature === 'false') return []
  const policy = { identity: req.signerIdentity, issuer: req.signerIssuer }
  const bundles = [`${file}.bundle`, ...(shaFrom.endsWith(CHECKSUMS) ? [`${shaFrom}.bundle`] : [])]
  for (const bundle of bundles) {
    if (!(await exists(bundle))) continue
    const signed = bundle.slice(0, -'.bundle'.length)
    const outcome = await checkSignature(req.verifySignature, bundle, signed, policy, req.trustedRoot)
    if (outcome.result) return [`signature (${path.basename(signed)}, ${outcome.result.signer})`]
  }
  if (await exists(`${file}.asc`)) {
    const key = await pinnedKey(http, req)
    const pgp = await verifyDetached(file, `${file}.asc`, key.key, req.fingerprint)
    return [`openpgp signature by ${pgp.signingKey}`]
  }
  const none = `no ${path.basename(file)}.bundle, ${CHECKSUMS}.bundle or ${path.basename(file)}.asc beside it`
  if (req.verifySignature === 'true') throw new VerifyError(`verify-signature is true but the archive has ${none}.`)
  core.info(`The archive is not signed (${none}): checked against its pinned sha256 only.`)
  return []
}

interface ArchiveInstall {
  result: InstallResult
  identity: ArchiveIdentity
}

async function installArchive(http: Http, run: Run, req: ArchiveRequest): Promise<ArchiveInstall> {
  const file = await findArchive(req.pattern, req.cwd)
  const name = path.basename(file)
  const pinned = await pinnedSha(file, req.sha256)
  const actual = (await hashFile(file)).sha256
  if (actual !== pinned.sha256)
    throw new VerifyError(`${name}: sha256 mismatch: the file has ${actual}, ${pinned.from} says ${pinned.sha256}.`)
  const signature = await signatureBeside(http, file, pinned.from, req)
  const top = topDir((await listArchive(file)).entries.map((e) => e.path))
  const verified = [
    signature.length ? (signature[0].startsWith('openpgp') ? 'openpgp-signature' : 'signature') : '',
    'sha256',
  ]
    .filter(Boolean)
    .join('+')
  const key = { tool: ARCHIVE_TOOL, version: actual.slice(0, 16), arch: req.arch }
  const root = await extractAuditCache(file, top, key, { asset: name, verified })
  const identity = await identify(root, run, req.arch)
  const wrong = nameMismatches(name, identity)
  if (wrong.length) throw new ArchiveIdentityError(`${name}: ${wrong.join('; ')}.`)
  const checks = [...signature, `sha256 ${actual} (${pinned.from === 'archive-sha256' ? pinned.from : CHECKSUMS})`]
  return { result: { version: identity.version, root, cacheHit: false, verified, checks, asset: name }, identity }
}

/** The one top-level directory every entry sits under (the audit refuses anything else). */
function topDir(paths: string[]): string {
  const first = paths.map((p) => p.replace(/^\.\//, '')).find((p) => p !== '' && p !== '.')
  if (!first) throw new ArchiveIdentityError('The archive is empty.')
  return first.split('/')[0]
}

export const archive: Source = {
  async install(s: SourceContext): Promise<Installation> {
    const { inputs, ctx, deps } = s
    const { result, identity } = await installArchive(s.http, deps.run, {
      ...inputs,
      pattern: inputs.archive,
      sha256: inputs.archiveSha256,
      cwd: s.env.GITHUB_WORKSPACE || process.cwd(),
      arch: ctx.arch,
      temp: ctx.temp,
      toolCache: ctx.toolCache,
      trustedRoot: s.trustedRoot,
      fingerprint: inputs.sourceKeyFingerprint,
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
