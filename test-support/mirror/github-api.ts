// The release data the mirror serves, and the JSON and Link headers GitHub's REST API
// would give for it. Pure except for reading file sizes and hashes once.
import { createHash } from 'node:crypto'
import { stat } from 'node:fs/promises'
import { sha256File } from '../proc.js'

/** A file on disk served as a release asset (archives, checksums.txt, .bundle, .asc ...). */
export interface MirrorFile {
  name: string
  path: string
  /** hex; computed from the file when absent */
  sha256?: string
  /** overrides the API's `digest` for this asset (a lying or null digest) */
  digest?: string | null
}

/** An asset listed in the API with made-up content (filler releases). */
interface FillerAsset {
  name: string
  content?: string
}

export interface ReleaseSpec {
  tag: string
  name?: string
  draft?: boolean
  prerelease?: boolean
  /** assets carry `digest: "sha256:..."` (default); false gives `null`, as on releases before mid-2025 */
  digest?: boolean
  files?: readonly MirrorFile[]
  assets?: readonly FillerAsset[]
}

export interface AssetModel {
  id: number
  name: string
  size: number
  digest: string | null
  body: { path: string } | { content: Buffer }
}

export interface ReleaseModel {
  id: number
  tag: string
  name: string
  draft: boolean
  prerelease: boolean
  createdAt: string
  assets: AssetModel[]
}

export interface RepoModel {
  id: number
  owner: string
  name: string
  releases: ReleaseModel[]
}

let nextId = 1000
const newId = () => nextId++
const BASE_TIME = Date.parse('2026-01-01T00:00:00Z')

/** Releases are listed in the order given, which should be newest first, as GitHub does. */
export async function buildRepo(fullName: string, specs: readonly ReleaseSpec[]): Promise<RepoModel> {
  const [owner, name, extra] = fullName.split('/')
  if (!owner || !name || extra !== undefined) throw new Error(`repository '${fullName}' is not OWNER/NAME`)
  const releases = await Promise.all(specs.map((s, i) => buildRelease(s, i)))
  return { id: newId(), owner, name, releases }
}

async function buildRelease(spec: ReleaseSpec, index: number): Promise<ReleaseModel> {
  const withDigest = spec.digest ?? true
  const files = await Promise.all((spec.files ?? []).map((f) => fileAsset(f, withDigest)))
  const fillers = (spec.assets ?? []).map((a) => fillerAsset(a, withDigest))
  return {
    id: newId(),
    tag: spec.tag,
    name: spec.name ?? spec.tag,
    draft: spec.draft ?? false,
    prerelease: spec.prerelease ?? false,
    createdAt: new Date(BASE_TIME - index * 86_400_000).toISOString(),
    assets: [...files, ...fillers],
  }
}

async function fileAsset(f: MirrorFile, withDigest: boolean): Promise<AssetModel> {
  const size = (await stat(f.path)).size
  const digest =
    f.digest !== undefined ? f.digest : withDigest ? `sha256:${f.sha256 ?? (await sha256File(f.path))}` : null
  return { id: newId(), name: f.name, size, digest, body: { path: f.path } }
}

function fillerAsset(a: FillerAsset, withDigest: boolean): AssetModel {
  const content = Buffer.from(a.content ?? `filler content of ${a.name}\n`)
  const digest = withDigest ? `sha256:${createHash('sha256').update(content).digest('hex')}` : null
  return { id: newId(), name: a.name, size: content.length, digest, body: { content } }
}

export interface Urls {
  api: string
  download: string
}

export const downloadPath = (repo: RepoModel, rel: ReleaseModel, a: AssetModel): string =>
  `/download/${repo.owner}/${repo.name}/${encodeURIComponent(rel.tag)}/${encodeURIComponent(a.name)}`

export function assetJson(urls: Urls, repo: RepoModel, rel: ReleaseModel, a: AssetModel): object {
  return {
    url: `${urls.api}/repos/${repo.owner}/${repo.name}/releases/assets/${a.id}`,
    id: a.id,
    name: a.name,
    label: '',
    content_type: contentType(a.name),
    state: 'uploaded',
    size: a.size,
    digest: a.digest,
    download_count: 0,
    created_at: rel.createdAt,
    updated_at: rel.createdAt,
    browser_download_url: `${urls.download}${downloadPath(repo, rel, a)}`,
  }
}

export function releaseJson(urls: Urls, repo: RepoModel, rel: ReleaseModel): object {
  const base = `${urls.api}/repos/${repo.owner}/${repo.name}/releases`
  return {
    url: `${base}/${rel.id}`,
    assets_url: `${base}/${rel.id}/assets`,
    html_url: `https://github.com/${repo.owner}/${repo.name}/releases/tag/${rel.tag}`,
    id: rel.id,
    tag_name: rel.tag,
    target_commitish: 'main',
    name: rel.name,
    draft: rel.draft,
    prerelease: rel.prerelease,
    created_at: rel.createdAt,
    published_at: rel.draft ? null : rel.createdAt,
    assets: rel.assets.map((a) => assetJson(urls, repo, rel, a)),
    body: '',
  }
}

/** GitHub's `/releases/latest`: the newest release that is neither draft nor prerelease. */
export const latestRelease = (repo: RepoModel): ReleaseModel | undefined =>
  repo.releases.find((r) => !r.draft && !r.prerelease)

export interface Page<T> {
  items: T[]
  link?: string
}

/**
 * One page of a list, and GitHub's Link header for it: pages point at
 * `/repositories/:id/...` (not the URL asked for), in the order prev, next, last, first.
 */
export function paginate<T>(all: readonly T[], query: URLSearchParams, pageSize: number, listUrl: string): Page<T> {
  const perPage = clamp(Number(query.get('per_page') ?? 30) || 30, 1, Math.min(100, pageSize))
  const page = Math.max(1, Math.floor(Number(query.get('page') ?? 1)) || 1)
  const last = Math.max(1, Math.ceil(all.length / perPage))
  const items = all.slice((page - 1) * perPage, page * perPage)
  if (last === 1) return { items }
  const href = (p: number) => {
    const q = new URLSearchParams(query)
    q.delete('page')
    q.append('page', String(p))
    return `<${listUrl}?${q.toString()}>`
  }
  const parts: string[] = []
  if (page > 1) parts.push(`${href(Math.min(page - 1, last))}; rel="prev"`)
  if (page < last) parts.push(`${href(page + 1)}; rel="next"`, `${href(last)}; rel="last"`)
  if (page > 1) parts.push(`${href(1)}; rel="first"`)
  return { items, link: parts.join(', ') }
}

const clamp = (n: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, n))

function contentType(name: string): string {
  if (name.endsWith('.gz')) return 'application/gzip'
  if (name.endsWith('.zst')) return 'application/zstd'
  if (name.endsWith('.txt') || name.endsWith('.asc')) return 'text/plain'
  if (name.endsWith('.bundle') || name.endsWith('.json')) return 'application/json'
  return 'application/octet-stream'
}
