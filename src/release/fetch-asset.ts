// One asset to a file, with an error that names the asset: the URL alone (an API asset
// id) says nothing to the user.
import { errorText } from '../ports/exec.js'
import type { DownloadResult, Http } from '../ports/types.js'
import type { ReleaseAsset } from './resolve.js'

/**
 * The API asset URL serves the bytes to an authenticated client (private mirrors, GHES);
 * browser_download_url is the public fallback when the API gives no url.
 */
const downloadUrl = (a: ReleaseAsset): string => a.url || a.browser_download_url

export async function fetchAsset(
  http: Http,
  asset: ReleaseAsset,
  dest: string,
  signal?: AbortSignal,
): Promise<DownloadResult> {
  try {
    return await http.download(downloadUrl(asset), dest, { signal })
  } catch (err) {
    throw new Error(`Could not download ${asset.name}: ${errorText(err)}`)
  }
}
