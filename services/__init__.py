"""The directory: providers, services, sites, capacity, categories and opening hours."""
