/**
 * The optional native backend (a Node addon over oneDNN). Until it is built, it reports why not.
 */
export type NativeStatus =
  | { readonly ok: true; readonly threads: number; readonly description: string }
  | { readonly ok: false; readonly reason: string };

export function loadNativeBackend(): NativeStatus {
  return { ok: false, reason: 'the native addon is not part of this build yet' };
}
