/**
 * Why a container definition's `Image` pins no version ("untagged", "latest"), or undefined when it names a
 * tag or a digest. ECR images are CloudFormation intrinsics (`Fn::Join` of the repository URI and the tag,
 * `Fn::Sub` for assets): they are rendered first, unresolved parts as `X`.
 */
export function unpinnedImage(image: unknown): 'untagged' | 'latest' | undefined {
  const ref = render(image)
  if (/@sha256:[0-9a-f]{64}$/.test(ref)) return undefined
  // The tag follows the last colon after the last slash (a registry host may carry a port).
  const name = ref.slice(ref.lastIndexOf('/') + 1)
  const colon = name.lastIndexOf(':')
  if (colon < 0 || colon === name.length - 1) return 'untagged'
  return name.slice(colon + 1) === 'latest' ? 'latest' : undefined
}

function render(image: unknown): string {
  if (typeof image === 'string') return image
  const intrinsic = image as { 'Fn::Join'?: [string, unknown[]]; 'Fn::Sub'?: string | [string, unknown] }
  const join = intrinsic['Fn::Join']
  if (join) return join[1].map((part) => (typeof part === 'string' ? part : 'X')).join(join[0])
  const sub = intrinsic['Fn::Sub']
  if (sub !== undefined) return typeof sub === 'string' ? sub : sub[0]
  return JSON.stringify(image)
}
