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
  // The release says how large the asset is: a body past that is refused while it streams,
  // not only at the port's 1 GiB cap (the size check after the transfer would come too late
  // for the disk).
  const maxBytes = asset.size && asset.size > 0 ? asset.size : undefined
  try {
    return await http.download(downloadUrl(asset), dest, { signal, maxBytes })
  } catch (err) {
    throw new Error(`Could not download ${asset.name}: ${errorText(err)}`)
  }
}
