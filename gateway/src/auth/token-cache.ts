// The verifier lives in @fig/common so the edge and every backend check tokens alike;
// this path stays for the edge's plugins that import it.
export * from '@fig/common/auth/token-cache';
