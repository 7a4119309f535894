"""The territory and its analysis: metropolitan cities, municipalities, zones, coverage."""
