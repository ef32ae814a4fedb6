"""The sandbox page in headless Chromium: the service played through as its people."""
