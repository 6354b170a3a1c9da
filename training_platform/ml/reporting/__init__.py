"""Reporting: scikit-learn displays as images, and the HTML report."""
