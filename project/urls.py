from django.urls import include, path

urlpatterns = [
    path("", include("project.sessions_app.urls")),
]
