/**
 * Medusa config used by the integration tests (medusaIntegrationTestRunner loads it from the
 * repo root) and by `npm run demo` (`medusa start` with cwd = repo root).
 * Not part of the published plugin (tsconfig.json only compiles src/**).
 *
 * Env:
 *   DATABASE_URL                        Postgres URL (the test runner overrides it)
 *   PO_API_KEY / PO_X_API_KEY / PO_MERCHANT_ID   default to the bundled sandbox's credentials
 *   PO_BASE_URL                         gateway base URL (e.g. the sandbox's url)
 *   PO_TIMEOUT_MS, PO_BACKEND_URL, PORT
 *   PO_DISABLE=1                        boot without the PaymentOptions provider
 */
import { defineConfig, loadEnv } from "@medusajs/framework/utils"
import { DEFAULT_SANDBOX_CREDENTIALS } from "./sandbox"

loadEnv(process.env.NODE_ENV || "development", process.cwd())

const port = process.env.PORT || 9000
const localCors = "http://localhost:8000,http://localhost:9000,http://localhost:5173"

const paymentOptionsProvider = {
  resolve: "./src/providers/paymentoptions",
  id: "paymentoptions",
  options: {
    apiKey: process.env.PO_API_KEY || DEFAULT_SANDBOX_CREDENTIALS.apiKey,
    xApiKey: process.env.PO_X_API_KEY || DEFAULT_SANDBOX_CREDENTIALS.xApiKey,
    merchantId: process.env.PO_MERCHANT_ID || DEFAULT_SANDBOX_CREDENTIALS.merchantId,
    environment: "sandbox",
    baseUrl: process.env.PO_BASE_URL,
    timeoutMs: Number(process.env.PO_TIMEOUT_MS || 5000),
    backendUrl: process.env.PO_BACKEND_URL || `http://localhost:${port}`,
  },
}

module.exports = defineConfig({
  projectConfig: {
    databaseUrl: process.env.DATABASE_URL,
    http: {
      storeCors: process.env.STORE_CORS || localCors,
      adminCors: process.env.ADMIN_CORS || localCors,
      authCors: process.env.AUTH_CORS || localCors,
      jwtSecret: process.env.JWT_SECRET || "supersecret",
      cookieSecret: process.env.COOKIE_SECRET || "supersecret",
    },
  },
  admin: { disable: true },
  modules: [
    {
      resolve: "@medusajs/medusa/payment",
      options: {
        providers: process.env.PO_DISABLE === "1" ? [] : [paymentOptionsProvider],
      },
    },
  ],
})
