"""Sales channels (Shopify, WooCommerce): connectors, order pull, outbox pushes, channel setup."""
