"""On-chain transfers, sanctions lists and attribution tags, cross-referenced with documents."""
