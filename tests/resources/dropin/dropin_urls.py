from django.urls import path
from test_dropin import hello

urlpatterns = [path("hello/", hello, name="hello")]
