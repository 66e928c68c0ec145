import { defineMiddlewares } from "@medusajs/framework/http"

export default defineMiddlewares({
  routes: [
    {
      // The webhook's raw body is needed to stamp it for the provider (see the route).
      method: ["POST"],
      matcher: "/hooks/paymentoptions/:provider/:token",
      bodyParser: { preserveRawBody: true },
    },
  ],
})
