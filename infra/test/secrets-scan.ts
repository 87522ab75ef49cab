/** Environment variable names that hold a secret by their name. */
const SECRET_NAME =
  /(PASSWORD|PASSWD|SECRET|TOKEN|PRIVATE|CREDENTIAL|_KEY$|^AWS_ACCESS_KEY_ID$|DATABASE(_ADMIN)?_URL)/
/** Values that are a secret whatever the name: URL passwords, PEM blocks, resolved secret references. */
const SECRET_VALUE = /(\w+:\/\/[^/\s:@]+:[^/\s@]+@|-----BEGIN|\{\{resolve:secretsmanager)/

/**
 * What in one container definition's Environment looks like a secret (names and values). Values are rendered
 * as JSON so tokens (Fn::Join of a dynamic reference) are seen too.
 */
export function secretLookingEnvironment(container: {
  Environment?: { Name: string; Value: unknown }[]
}): string[] {
  return (container.Environment ?? []).flatMap(({ Name, Value }) => {
    const value = typeof Value === 'string' ? Value : JSON.stringify(Value)
    return SECRET_NAME.test(Name) || SECRET_VALUE.test(value) ? [Name] : []
  })
}
