// Medusa's MikroORM keeps model metadata in a global; each spec file boots a fresh app.
const { MetadataStorage } = require("@medusajs/framework/mikro-orm/core")
MetadataStorage.clear()
