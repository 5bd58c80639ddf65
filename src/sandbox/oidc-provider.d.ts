// oidc-provider 9 ships no type declarations; oidc-types.ts describes the parts the sandbox uses.
declare module 'oidc-provider';
