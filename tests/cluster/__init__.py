"""Several instances of one service: standbys taking over from a killed active instance."""
