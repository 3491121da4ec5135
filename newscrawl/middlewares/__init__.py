"""middlewares"""
