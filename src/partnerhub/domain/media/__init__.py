"""Media of the Messaging API: uploads, download links, expiry, and sends that name a media id."""
