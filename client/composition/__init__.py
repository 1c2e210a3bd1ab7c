"""Building the counter: the object graph of services, backends and the enrolled terminal's runtime."""
