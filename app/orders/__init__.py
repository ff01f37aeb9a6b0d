"""Orders: intake, lifecycle, holds, allocation and routing, risk flags."""
