"""The leaderboard: the standard protocol, submissions, verification, and the pages."""
