"""A database router that keeps ``django.contrib.sessions`` on a database of its own (the
``sessions`` alias), as Django's multi-database docs route an app."""


class SessionsRouter:
    route_app_labels = {"sessions"}

    def db_for_read(self, model, **hints):
        if model._meta.app_label in self.route_app_labels:
            return "sessions"
        return None

    def db_for_write(self, model, **hints):
        if model._meta.app_label in self.route_app_labels:
            return "sessions"
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        if app_label in self.route_app_labels:
            return db == "sessions"
        return None
