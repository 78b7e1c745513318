/**
 * Settings that make the app synthesize everything it can: the CI roles' stack (a GitHub repository is set) and prod's
 * own SES sender. The offline plans and the validation check the stacks synthesized with them.
 */
export const VALIDATED_SETTINGS = {
  API_AUTH_COGNITO_GITHUB_REPOSITORY: "my-org/api-auth-cognito",
  API_AUTH_COGNITO_SES_IDENTITY_PROD: "arn:aws:ses:us-east-1:222222222222:identity/example.com",
  API_AUTH_COGNITO_EMAIL_FROM_PROD: "Example <no-reply@example.com>",
} as const;
