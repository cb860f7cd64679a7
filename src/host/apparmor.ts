// Ubuntu >= 23.10 sets kernel.apparmor_restrict_unprivileged_userns=1: a podman outside
// /usr/bin then fails with `failed to reexec: Permission denied`. The targeted fix is a
// profile of our own for the exact installed binary; the distro's podman profile is never edited.
import { createHash } from 'node:crypto'

const PROFILE_DIR = '/etc/apparmor.d'

export class ProfilePathError extends Error {}

/** Stable per binary path, so a second run finds (and replaces) its own profile. */
function profileName(podmanPath: string): string {
  return `setup-static-podman-${createHash('sha256').update(podmanPath).digest('hex').slice(0, 12)}`
}

export const profileFile = (podmanPath: string): string => `${PROFILE_DIR}/${profileName(podmanPath)}`

/**
 * An attachment path is a pattern in AppArmor: glob characters would widen it to other
 * binaries, and quotes or control characters could end the rule. Refuse those outright.
 */
function attachment(p: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are among what it must refuse
  if (!p.startsWith('/') || /[*?[\]{}^"\\\x00-\x1f\x7f]/.test(p)) {
    throw new ProfilePathError(
      `cannot write an AppArmor profile for '${p}': the path has characters AppArmor treats as a pattern`,
    )
  }
  return /\s/.test(p) ? `"${p}"` : p
}

export function profileText(podmanPath: string): string {
  return [
    `# Written by setup-static-podman for ${attachment(podmanPath)}; its post step removes it.`,
    '# Lets this podman create user namespaces under kernel.apparmor_restrict_unprivileged_userns=1.',
    'abi <abi/4.0>,',
    'include <tunables/global>',
    '',
    `profile ${profileName(podmanPath)} ${attachment(podmanPath)} flags=(unconfined) {`,
    '  userns,',
    '}',
    '',
  ].join('\n')
}
