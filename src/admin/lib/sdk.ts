/**
 * Medusa's JS SDK for the widget, set up as Medusa's docs set it up for an admin extension built in a plugin: the
 * store's admin build defines `__BACKEND_URL__` (its `admin.backendUrl`; "/" when Medusa serves the admin itself),
 * the admin authenticates with its session cookie. The plugin build leaves `@medusajs/js-sdk` external, so the store's
 * own copy (the dashboard's) is bundled.
 */
import Medusa from "@medusajs/js-sdk"

export const sdk = new Medusa({
  baseUrl: (typeof __BACKEND_URL__ !== "undefined" && __BACKEND_URL__) || "/",
  debug: import.meta.env.DEV,
  auth: {
    type: "session",
  },
})
