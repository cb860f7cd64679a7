// Throwaway OpenPGP keys for tests: generated per run with OpenPGP.js, signing files the way
// `gpg --armor --detach-sign` does for mgoltzsche/podman-static's releases.
import { readFile } from 'node:fs/promises'
import * as openpgp from 'openpgp'

export interface TestKey {
  /** primary key fingerprint, upper-case hex: what source-key-fingerprint pins */
  fingerprint: string
  /** the signing subkey's fingerprint (ed25519 keys sign with the primary; this is the ECDH subkey) */
  subkeyFingerprint: string
  publicArmored: string
  /** an armored detached signature over the file's bytes */
  signFile(file: string): Promise<string>
  signBytes(data: Uint8Array): Promise<string>
}

export async function createTestKey(name = 'podman-static test signer'): Promise<TestKey> {
  const { privateKey, publicKey } = await openpgp.generateKey({
    type: 'ecc',
    curve: 'ed25519Legacy',
    userIDs: [{ name, email: 'test@example.invalid' }],
    format: 'object',
  })
  const signBytes = async (data: Uint8Array) =>
    openpgp.sign({
      message: await openpgp.createMessage({ binary: data }),
      signingKeys: privateKey,
      detached: true,
      format: 'armored',
    }) as Promise<string>
  return {
    fingerprint: publicKey.getFingerprint().toUpperCase(),
    subkeyFingerprint: publicKey.getSubkeys()[0].getFingerprint().toUpperCase(),
    publicArmored: publicKey.armor(),
    signBytes,
    signFile: async (file) => signBytes(new Uint8Array(await readFile(file))),
  }
}

/** The key as keys.openpgp.org serves it until the owner confirms an address: no user ID. */
export async function withoutUserIds(armored: string): Promise<string> {
  const key = await openpgp.readKey({ armoredKey: armored })
  const t = openpgp.enums.packet
  return new openpgp.PublicKey(key.toPacketList().filterByTag(t.publicKey, t.publicSubkey, t.signature)).armor()
}
