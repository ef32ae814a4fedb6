"""The browser page: routes, what each person sees, and Slack's side of their actions."""
