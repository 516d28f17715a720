from django.apps import AppConfig


class SessionsAppConfig(AppConfig):
    name = "project.sessions_app"
    label = "sessions_app"
