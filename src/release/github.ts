// The GitHub releases API, over the Http port: every page, following Link headers.
import type { Http } from '../ports/types.js'
import type { Release } from './resolve.js'

const MAX_PAGES = 20

function releasesUrl(apiUrl: string, owner: string, repo: string): string {
  return `${apiUrl}/repos/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}/releases?per_page=100`
}

export function nextLink(link: string | null): string | undefined {
  if (!link) return undefined
  for (const part of link.split(',')) {
    const m = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part)
    if (m) return m[1]
  }
  return undefined
}

export async function listReleases(http: Http, apiUrl: string, owner: string, repo: string): Promise<Release[]> {
  const all: Release[] = []
  let url: string | undefined = releasesUrl(apiUrl, owner, repo)
  for (let page = 0; url && page < MAX_PAGES; page++) {
    const { body, headers } = await http.getJson(url)
    if (!Array.isArray(body))
      throw new Error(`Unexpected answer from ${apiUrl} for ${owner}/${repo} releases: not a list`)
    all.push(...(body as Release[]))
    url = nextLink(headers.get('link'))
  }
  return all
}
