// Globals the admin's Vite build defines (see Medusa's "Admin Environment Variables"); typed here because
// tsconfig.admin.json loads no ambient types.
declare const __BACKEND_URL__: string | undefined

interface ImportMetaEnv {
  readonly DEV: boolean
}

interface ImportMeta {
  readonly env: ImportMetaEnv
}
