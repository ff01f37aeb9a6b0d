"""Channels workflow screens: Shopify/WooCommerce connections, sync runs and the outbox."""
